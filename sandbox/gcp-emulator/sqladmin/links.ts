// Cloud SQL self-links. They carry the real API's host: clients compare links, nobody follows them.
export const SQLADMIN_BASE = "https://sqladmin.googleapis.com/v1";
/** The proto package of the v1 API, for the codec. */
export const SQL_PACKAGE = "google.cloud.sql.v1";

export function instanceLink(project: string, instance: string): string {
  return `${SQLADMIN_BASE}/projects/${project}/instances/${instance}`;
}

export function operationLink(project: string, operation: string): string {
  return `${SQLADMIN_BASE}/projects/${project}/operations/${operation}`;
}
