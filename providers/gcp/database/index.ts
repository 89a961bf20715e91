import { PasswordLedger, readDatabaseSecrets } from "../../shared/database-passwords.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { gcpConnector } from "../session.ts";
import { DatabaseClient, sdkSqlApi } from "./client.ts";
import { databaseKind } from "./schema.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

export { databaseKind } from "./schema.ts";

// The Database kind as the GCP provider registers it: a Cloud SQL instance named by metadata.name
// (or the external-name annotation), so a create whose outcome was lost is found again by name.

/** The admin passwords this process set, per object, so a rotation is sent once (see PasswordLedger). */
const passwords = new PasswordLedger();

export const databaseConnector = gcpConnector<DatabaseParameters, DatabaseObservation>(
  async (session, mr, ctx) =>
    new DatabaseClient({
      api: sdkSqlApi(session, ctx.signal),
      project: session.project,
      defaultRegion: session.defaultRegion,
      secrets: await readDatabaseSecrets(mr, ctx, mr.spec.forProvider.adminPasswordSecretRef),
      ledger: passwords,
    }),
  { forget: (uid) => passwords.forget(uid) },
);

export const database: RegisteredKind<DatabaseParameters, DatabaseObservation> = {
  provider: "gcp",
  managed: databaseKind,
  connector: databaseConnector,
  externalName: { assignedByCloud: false },
};
