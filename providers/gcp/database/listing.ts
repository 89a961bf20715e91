import { v1 as sql } from "@google-cloud/sql";
import type { ListingSource } from "../../../core/listing.ts";
import { callOptions } from "../call-options.ts";
import { gcpCall, unlessNotFound } from "../errors.ts";
import type { GcpSession } from "../session.ts";
import type { Instance } from "./normalize.ts";

// Batch observe for Database: every Cloud SQL instance of one project, from instances.list 500 a
// page. Each item is the whole DatabaseInstance instances.get returns (settings, userLabels,
// state), so no per-instance read follows a listing; operations.get still checks an operation of
// ours while it runs.

/** Cloud SQL returns at most 500 instances a page unless asked for fewer. */
export const SQL_PAGE_SIZE = 500;

export function sqlListingSource(session: GcpSession): ListingSource<Instance> {
  const instances = session.client(sql.SqlInstancesServiceClient);
  const project = session.project;
  return {
    async page(token, signal) {
      const [out] = await gcpCall("sqladmin:instances.list", () => instances.list({ project, maxResults: SQL_PAGE_SIZE, ...(token ? { pageToken: token } : {}) }, callOptions(signal)));
      return { items: out.items ?? [], next: out.nextPageToken ?? undefined };
    },
    idOf: (inst) => inst.name ?? undefined,
    get: async (name, signal) => unlessNotFound(async () => (await gcpCall("sqladmin:instances.get", () => instances.get({ project, instance: name }, callOptions(signal))))[0]),
  };
}
