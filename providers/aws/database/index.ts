import { readDatabaseSecrets } from "../../shared/database-passwords.ts";
import { RDSClient } from "@aws-sdk/client-rds";
import type { RegisteredKind } from "../../../core/provider.ts";
import { ProviderError } from "../../../core/errors.ts";
import type { ConnectContext, Connector, Managed } from "../../../core/provider.ts";
import { awsConnector } from "../session.ts";
import { DatabaseClient, sdkRdsApi } from "./client.ts";
import type { DatabaseSecrets } from "./client.ts";
import { DatabaseParameters, databaseKind } from "./schema.ts";

export { databaseKind } from "./schema.ts";

// The Database kind as the AWS provider registers it: an RDS DB instance named by metadata.name
// (or the external-name annotation), so a create whose outcome was lost is found again by name.

const sessions = awsConnector((session) => new DatabaseClient({ api: sdkRdsApi(session.client(RDSClient)), region: session.config.region }));


async function readSecrets(mr: Managed, ctx: ConnectContext): Promise<DatabaseSecrets> {
  const parsed = DatabaseParameters.safeParse(mr.spec.forProvider);
  return parsed.success ? readDatabaseSecrets(mr, ctx, parsed.data.masterPasswordSecretRef) : {};
}

export const databaseConnector: Connector = {
  async connect(mr, ctx) {
    const client = await sessions.connect(mr, ctx);
    if (!(client instanceof DatabaseClient)) throw new ProviderError("Unknown", "the AWS session returned an unexpected client for Database");
    return client.withSecrets(await readSecrets(mr, ctx));
  },
};

export const database: RegisteredKind = {
  provider: "aws",
  managed: databaseKind,
  connector: databaseConnector,
  externalName: { assignedByCloud: false },
};
