import { Listings } from "../../../core/listing.ts";
import type { Connector } from "../../../core/provider.ts";
import { listingOptions } from "../../shared/batch-observe.ts";
import { PasswordLedger, readDatabaseSecrets } from "../../shared/database-passwords.ts";
import { gcpConnector } from "../session.ts";
import type { GcpSession } from "../session.ts";
import { DatabaseClient, sdkSqlApi } from "./client.ts";
import { sqlListingSource } from "./listing.ts";
import type { Instance } from "./normalize.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

/** The Database connector; its password ledger (the admin passwords it set, per object, so a rotation is sent once) is freed per object by forget. */
export function databaseConnector(passwords = new PasswordLedger()): Connector<DatabaseParameters, DatabaseObservation> {
  // With batch observe (opt-in on the ProviderConfig), one instances.list per project and poll interval serves every Database.
  const listings = new Listings<GcpSession, Instance>();
  return gcpConnector<DatabaseParameters, DatabaseObservation>(
    async (session, mr, ctx) =>
      new DatabaseClient({
        api: sdkSqlApi(session, ctx.signal),
        project: session.project,
        defaultRegion: session.defaultRegion,
        secrets: await readDatabaseSecrets(mr, ctx, mr.spec.forProvider.adminPasswordSecretRef),
        ledger: passwords,
        listing: session.observe.batch ? listings.for(session, () => sqlListingSource(session), listingOptions(session.observe)) : undefined,
      }),
    { forget: (uid) => passwords.forget(uid) },
  );
}
