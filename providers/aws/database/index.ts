import { lazyConnector } from "../../../core/lazy-connector.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { databaseKind } from "./schema.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

export { databaseKind } from "./schema.ts";

// The Database kind as the AWS provider registers it: an RDS DB instance named by metadata.name
// (or the external-name annotation), so a create whose outcome was lost is found again by name.
// The RDS SDK loads with the first object that connects.

export const database: RegisteredKind<DatabaseParameters, DatabaseObservation> = {
  provider: "aws",
  managed: databaseKind,
  connector: lazyConnector(async () => (await import("./connector.ts")).databaseConnector()),
  externalName: { assignedByCloud: false },
};
