import { optionalSecret } from "../../shared/database-passwords.ts";
import type { RegisteredKind } from "../../../core/controller.ts";
import { ProviderError } from "../../../core/errors.ts";
import { allowed } from "../../../core/policies.ts";
import type { ConnectContext, Connector, Managed } from "../../../core/provider.ts";
import { gcpConnector } from "../session.ts";
import { DatabaseClient, sdkSqlApi } from "./client.ts";
import type { DatabaseSecrets } from "./client.ts";
import { DatabaseParameters, databaseKind } from "./schema.ts";

export { databaseKind } from "./schema.ts";

// The Database kind as the GCP provider registers it: a Cloud SQL instance named by metadata.name
// (or the external-name annotation), so a create whose outcome was lost is found again by name.

const sessions = gcpConnector((session) => new DatabaseClient({ api: sdkSqlApi(session), project: session.project, defaultRegion: session.defaultRegion }));


/**
 * The passwords this reconcile needs: the referenced admin password (not while deleting, nor for a
 * read-only import, so a missing Secret never blocks those) and the one last published to the
 * connection Secret (to notice a rotation).
 */
async function readSecrets(mr: Managed, ctx: ConnectContext): Promise<DatabaseSecrets> {
  const parsed = DatabaseParameters.safeParse(mr.spec.forProvider);
  if (!parsed.success || mr.metadata.deletionTimestamp) return {};
  const namespace = mr.metadata.namespace;
  const ref = parsed.data.adminPasswordSecretRef;
  const writes = allowed(mr, "Create") || allowed(mr, "Update");
  const desiredPassword = ref && writes ? await ctx.secretValue({ namespace, name: ref.name, key: ref.key }) : undefined;
  const conn = mr.spec.writeConnectionSecretToRef;
  const publishedPassword = conn ? await optionalSecret(ctx.secretValue({ namespace, name: conn.name, key: "password" })) : undefined;
  return { ...(desiredPassword !== undefined ? { desiredPassword } : {}), ...(publishedPassword !== undefined ? { publishedPassword } : {}) };
}

export const databaseConnector: Connector = {
  async connect(mr, ctx) {
    const client = await sessions.connect(mr, ctx);
    if (!(client instanceof DatabaseClient)) throw new ProviderError("Unknown", "the GCP session returned an unexpected client for Database");
    return client.withSecrets(await readSecrets(mr, ctx));
  },
};

export const database: RegisteredKind = {
  provider: "gcp",
  managed: databaseKind,
  connector: databaseConnector,
  externalName: { assignedByCloud: false },
};
