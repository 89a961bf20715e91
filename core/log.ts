import { pino } from "pino";
import type { Logger } from "pino";

/**
 * Structured JSON logs. Secret material never reaches a log line: providers never log credentials,
 * and these paths are redacted as a second line of defence.
 */
export function createLogger(level = process.env.TERRAPLANE_LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { component: "terraplane" },
    redact: {
      paths: ["*.password", "*.secretAccessKey", "*.sessionToken", "*.privateKey", "*.private_key", "*.token", "*.data", "*.stringData", "*.connectionDetails"],
      censor: "[redacted]",
    },
  });
}

/** A logger that writes nothing: the default in tests and libraries. */
export const nopLogger: Logger = pino({ level: "silent" });
