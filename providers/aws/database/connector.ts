import { RDSClient } from "@aws-sdk/client-rds";
import type { Connector } from "../../../core/provider.ts";
import { PasswordLedger, readDatabaseSecrets } from "../../shared/database-passwords.ts";
import { awsConnector } from "../session.ts";
import { DatabaseClient, sdkRdsApi } from "./client.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

/**
 * The Database connector: one reconcile's client on the cached RDS client, with that reconcile's
 * signal and secrets. The password ledger lives as long as the connector; an object's entry goes
 * when the core forgets the object.
 */
export function databaseConnector(ledger = new PasswordLedger()): Connector<DatabaseParameters, DatabaseObservation> {
  const sessions = awsConnector<DatabaseParameters, DatabaseObservation>(
    async (session, mr, ctx) =>
      new DatabaseClient({
        api: sdkRdsApi(session.client(RDSClient), ctx.signal),
        region: session.config.region,
        secrets: await readDatabaseSecrets(mr, ctx, mr.spec.forProvider.masterPasswordSecretRef),
        ledger,
      }),
  );
  return { connect: (mr, ctx) => sessions.connect(mr, ctx), forget: (uid) => ledger.forget(uid) };
}
