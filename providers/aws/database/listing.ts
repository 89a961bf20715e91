import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import type { DBInstance, RDSClient } from "@aws-sdk/client-rds";
import { errorClassOf } from "../../../core/errors.ts";
import type { ListingSource } from "../../../core/listing.ts";
import { awsCall } from "../errors.ts";

// Batch observe for Database: every DB instance of one account and region, from DescribeDBInstances
// 100 a page (its maximum). Each DBInstance carries its TagList, which is all the diff and the
// ownership check need, so no per-instance read follows a listing.

/** RDS's largest page. */
export const RDS_PAGE_SIZE = 100;

/** RDS identifiers are case-insensitive and stored lowercase: the listing is keyed the same way. */
export function listingKey(id: string): string {
  return id.toLowerCase();
}

export function rdsListingSource(rds: RDSClient): ListingSource<DBInstance> {
  return {
    async page(token, signal) {
      const out = await awsCall("rds:DescribeDBInstances", () => rds.send(new DescribeDBInstancesCommand({ MaxRecords: RDS_PAGE_SIZE, Marker: token }), { abortSignal: signal }));
      return { items: out.DBInstances ?? [], next: out.Marker };
    },
    idOf: (db) => (db.DBInstanceIdentifier === undefined ? undefined : listingKey(db.DBInstanceIdentifier)),
    // RDS moves LatestRestorableTime forward by itself every few minutes: not a change of ours to act on.
    versionOf: (db) => JSON.stringify({ ...db, LatestRestorableTime: undefined }),
    async get(id, signal) {
      try {
        const out = await awsCall("rds:DescribeDBInstances", () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), { abortSignal: signal }));
        return out.DBInstances?.[0];
      } catch (err) {
        if (errorClassOf(err) === "NotFound") return undefined;
        throw err;
      }
    },
  };
}
