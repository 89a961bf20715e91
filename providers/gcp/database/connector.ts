import type { Connector } from "../../../core/provider.ts";
import { PasswordLedger, readDatabaseSecrets } from "../../shared/database-passwords.ts";
import { gcpConnector } from "../session.ts";
import { DatabaseClient, sdkSqlApi } from "./client.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

/** The Database connector; its password ledger (the admin passwords it set, per object, so a rotation is sent once) is freed per object by forget. */
export function databaseConnector(passwords = new PasswordLedger()): Connector<DatabaseParameters, DatabaseObservation> {
  return gcpConnector<DatabaseParameters, DatabaseObservation>(
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
}
