import { readDatabaseSecrets } from "../../shared/database-passwords.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { ProviderError } from "../../../core/errors.ts";
import type { ConnectContext, Connector, Managed } from "../../../core/provider.ts";
import { gcpConnector } from "../session.ts";
import { DatabaseClient, sdkSqlApi } from "./client.ts";
import type { DatabaseSecrets } from "./client.ts";
import { DatabaseParameters, databaseKind } from "./schema.ts";

export { databaseKind } from "./schema.ts";

// The Database kind as the GCP provider registers it: a Cloud SQL instance named by metadata.name
// (or the external-name annotation), so a create whose outcome was lost is found again by name.

const sessions = gcpConnector((session) => new DatabaseClient({ api: sdkSqlApi(session), project: session.project, defaultRegion: session.defaultRegion }));


async function readSecrets(mr: Managed, ctx: ConnectContext): Promise<DatabaseSecrets> {
  const parsed = DatabaseParameters.safeParse(mr.spec.forProvider);
  return parsed.success ? readDatabaseSecrets(mr, ctx, parsed.data.adminPasswordSecretRef) : {};
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
