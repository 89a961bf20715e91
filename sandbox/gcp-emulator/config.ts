// Run-time settings that tests change over the control API: how long operations take, globally
// or for one project (parallel tests each use their own project).
import { z } from "zod";

/** Upper bound on an operation delay: long enough for any test, short enough to notice a mistake. */
export const MAX_OPERATION_DELAY_MS = 600_000;
export const DEFAULT_OPERATION_DELAY_MS = 300;

export const OperationDelaySchema = z.number().int().min(0).max(MAX_OPERATION_DELAY_MS);

export const ConfigSchema = z.strictObject({ operationDelayMs: OperationDelaySchema });
export type Config = z.infer<typeof ConfigSchema>;

export class EmulatorConfig {
  readonly #initialDelayMs: number;
  #delayMs: number;
  readonly #projects = new Map<string, number>();

  constructor(operationDelayMs = DEFAULT_OPERATION_DELAY_MS) {
    this.#initialDelayMs = OperationDelaySchema.parse(operationDelayMs);
    this.#delayMs = this.#initialDelayMs;
  }

  /** How long an operation in this project takes. */
  delayMs(project: string): number {
    return this.#projects.get(project) ?? this.#delayMs;
  }

  /** The settings in force, for one project or globally. */
  get(project?: string): Config {
    return { operationDelayMs: project === undefined ? this.#delayMs : this.delayMs(project) };
  }

  set(config: Config, project?: string): void {
    if (project === undefined) this.#delayMs = config.operationDelayMs;
    else this.#projects.set(project, config.operationDelayMs);
  }

  /** Back to start-up settings (one project's override, or everything). */
  reset(project?: string): void {
    if (project !== undefined) {
      this.#projects.delete(project);
      return;
    }
    this.#projects.clear();
    this.#delayMs = this.#initialDelayMs;
  }
}
