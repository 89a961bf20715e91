# The Terraplane controller image. No build step: Node 24 runs the TypeScript sources directly by
# stripping types (docs/adr/0001), so the image holds the sources that run and the production
# npm packages, nothing else.
#   docker build -t <registry>/terraplane:<tag> .
# Keep NODE_VERSION in step with scripts/ensure-node.sh.
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no install scripts are needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:${NODE_VERSION}-slim
ENV NODE_ENV=production
WORKDIR /app
# package.json carries "type": "module", which the .ts sources need.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
# What the CLI imports: `run` needs cli/, core/ and providers/; `crds` (print the CRDs) also needs
# sandbox/launcher/paths.ts, and `--help` loads every command, so the launcher's sources come too.
# Tests are excluded by .dockerignore.
COPY cli ./cli
COPY core ./core
COPY providers ./providers
COPY sandbox/launcher ./sandbox/launcher
# The `node` user of the base image, by number so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "cli/main.ts"]
CMD ["run"]
