import { randomBytes } from "node:crypto";

/** A DNS-1123 name unique to this test run, so parallel tests never share a namespace or cloud resource. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}
