import { RDSClient } from "@aws-sdk/client-rds";
import type { DBInstance } from "@aws-sdk/client-rds";
import { Listings } from "../../../core/listing.ts";
import type { Listing } from "../../../core/listing.ts";
import type { Connector } from "../../../core/provider.ts";
import { listingOptions } from "../../shared/batch-observe.ts";
import { PasswordLedger, readDatabaseSecrets } from "../../shared/database-passwords.ts";
import { awsConnector } from "../session.ts";
import type { AwsSession } from "../session.ts";
import { DatabaseClient, sdkRdsApi } from "./client.ts";
import { rdsListingSource } from "./listing.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

/**
 * The Database connector: one reconcile's client on the cached RDS client, with that reconcile's
 * signal and secrets. The password ledger lives as long as the connector; an object's entry goes
 * when the core forgets the object. With batch observe (opt-in on the ProviderConfig) every
 * Database of one session (account, region, credentials) is observed from one shared listing.
 */
export function databaseConnector(ledger = new PasswordLedger()): Connector<DatabaseParameters, DatabaseObservation> {
  const listings = new Listings<AwsSession, DBInstance>();
  const listingOf = (session: AwsSession): Listing<DBInstance> | undefined =>
    session.observe.batch
      ? listings.for(session, () => rdsListingSource(session.client(RDSClient)), listingOptions(session.observe))
      : undefined;
  const sessions = awsConnector<DatabaseParameters, DatabaseObservation>(
    async (session, mr, ctx) =>
      new DatabaseClient({
        api: sdkRdsApi(session.client(RDSClient), ctx.signal),
        region: session.config.region,
        secrets: await readDatabaseSecrets(mr, ctx, mr.spec.forProvider.masterPasswordSecretRef),
        ledger,
        listing: listingOf(session),
      }),
  );
  return { connect: (mr, ctx) => sessions.connect(mr, ctx), forget: (uid) => ledger.forget(uid) };
}
