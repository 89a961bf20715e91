// Public surface of the fault-injecting proxy: start one in-process, or drive one in another
// process through FaultProxyClient.
export { startFaultProxy } from "./proxy.ts";
export type { FaultProxy, FaultProxyOptions } from "./proxy.ts";
export { FaultProxyClient, FaultProxyRequestError, isFaultProxyRequestError } from "./client.ts";
export { classify, PROTOCOLS } from "./classify.ts";
export type { Classification, Protocol, RequestInfo } from "./classify.ts";
export {
  DelaySchema,
  FAULT_NAMES,
  FaultConfigError,
  FaultConfigSchema,
  FaultEngine,
  FaultRuleSchema,
  isFaultConfigError,
  MatchSchema,
  MAX_DELAY_MS,
  parseFaultConfig,
  parseScheduledFault,
  ReplacementSchema,
  ScheduledFaultSchema,
  spoilBody,
} from "./faults.ts";
export type {
  Decision,
  Delay,
  FaultConfig,
  FaultConfigInput,
  FaultName,
  FaultRule,
  FaultRuleInput,
  Match,
  Replacement,
  ScheduledFault,
  ScheduledFaultInput,
} from "./faults.ts";
export { CountsSchema, emptyCounts, operationCounts, ServiceStatsSchema, StatsSnapshotSchema } from "./stats.ts";
export type { Counts, ServiceStats, StatsSnapshot, UpstreamClass } from "./stats.ts";
export { wireError } from "./errors.ts";
export type { ErrorKind, WireError } from "./errors.ts";
export { seededRandom } from "./random.ts";
export type { Random } from "./random.ts";
export { CONTROL_PREFIX } from "./control.ts";
