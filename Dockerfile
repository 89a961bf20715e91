# The Terraplane controller image.
#   docker build -t <registry>/terraplane:<tag> .
# `run` starts the controller's bundle (one file of plain JavaScript, a third less memory than type
# stripping: docs/adr/0017) under its V8 heap flags (docs/adr/0020), as bin/terraplane does; other
# CLI commands run from the TypeScript sources, which Node 24 runs directly (docs/adr/0001).
# Keep NODE_VERSION in step with scripts/ensure-node.sh.
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no install scripts are needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:${NODE_VERSION}-slim AS bundle
WORKDIR /app
COPY package.json package-lock.json ./
# The bundler (rolldown, a dev dependency) brings its native binding as an optional dependency.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-controller.ts ./scripts/
COPY cli ./cli
COPY core ./core
COPY providers ./providers
COPY compositions ./compositions
COPY sandbox/launcher ./sandbox/launcher
RUN node --disable-warning=ExperimentalWarning scripts/build-controller.ts dist/controller

FROM node:${NODE_VERSION}-slim
ENV NODE_ENV=production
WORKDIR /app
# package.json carries "type": "module", which the .ts sources need.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
# The bundle loads the cloud SDKs, kept out of it, from node_modules beside it.
COPY --from=bundle /app/dist/controller ./dist/controller
# What the other CLI commands import (`--help` loads every command, `run` among them): cli/, core/,
# providers/, compositions/, migrate/ (`import`, `plan`, `adopt`), and sandbox/launcher/ (`crds`
# needs its paths.ts). test/image-contents.test.ts checks the list; .dockerignore keeps tests out.
COPY cli ./cli
COPY core ./core
COPY providers ./providers
COPY compositions ./compositions
COPY migrate ./migrate
COPY sandbox/launcher ./sandbox/launcher
# The `node` user of the base image, by number so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/app/cli/image-entrypoint.sh"]
CMD ["run"]
