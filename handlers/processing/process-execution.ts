/**
 * The processing step of the workflow: stands in for real work and enriches the execution input.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXECUTION_ID_KEY, type Logger } from '../shared/logger';

/** The execution input: any JSON object. */
export type ProcessingInput = Readonly<Record<string, unknown>>;

/** The input plus what the processing adds (the SQS message and the outbound files carry it). */
export interface ProcessingOutput extends Record<string, unknown> {
  /** UUID v4 identifying the execution in the integration bucket. */
  readonly execution_id: string;
  /** 0-10 random 5-letter strings (the "data" handed to the business application). */
  readonly info: readonly string[];
  readonly status_code: 200;
}

/** What the core needs; tests replace the randomness and the delay. */
export interface ProcessingDeps {
  readonly logger: Logger;
  /** Simulated work duration. */
  readonly simulatedWorkMs: number;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Random integer in [0, max). @default crypto.randomInt */
  readonly randomInt?: (max: number) => number;
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** Raised on purpose when the input says `simulateFailure: true`, to show the retry-then-failure path. */
export class SimulatedProcessingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedProcessingError';
  }
}

/** Raised when the execution input is not a JSON object. */
export class InvalidProcessingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProcessingInputError';
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Returns the input plus `execution_id`, `info` and `status_code`, after the simulated work. */
export async function processExecution(input: unknown, deps: ProcessingDeps): Promise<ProcessingOutput> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidProcessingInputError(
      `execution input must be a JSON object, got ${Array.isArray(input) ? 'an array' : JSON.stringify(input)}`,
    );
  }
  if ((input as ProcessingInput).simulateFailure === true) {
    throw new SimulatedProcessingError('simulateFailure is true in the execution input');
  }
  const random = deps.randomInt ?? randomInt;
  const executionId = (deps.newId ?? randomUUID)();
  deps.logger.appendKeys({ [EXECUTION_ID_KEY]: executionId });
  const info = Array.from({ length: random(11) }, () =>
    Array.from({ length: 5 }, () => LETTERS[random(LETTERS.length)]).join(''),
  );
  deps.logger.info('processing started', { simulated_work_ms: deps.simulatedWorkMs, info_count: info.length });
  await (deps.sleep ?? sleep)(deps.simulatedWorkMs);
  return { ...(input as ProcessingInput), execution_id: executionId, info, status_code: 200 };
}
