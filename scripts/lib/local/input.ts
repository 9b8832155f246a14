/**
 * The execution input of `npm run local`: inline (`--input '<json>'`), from standard input
 * (`--input -`) or from a file (`--input-file <path>`, for inputs over the shell's argument limit).
 * It must be a JSON object, as the definition requires (it adds fields to it); anything else is
 * refused with one line naming the problem.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';

/** The input is missing, unreadable, not JSON or not an object. */
export class ExecutionInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutionInputError';
  }
}

/** Where the input comes from. */
export interface InputSource {
  /** JSON text, or `-` for standard input. */
  readonly input?: string;
  /** A file holding the JSON text. */
  readonly inputFile?: string;
}

/** What a JSON value is, in words (for the refusal). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

/** Parses `text` (read from `origin`) and checks it is a JSON object. */
export function parseExecutionInput(text: string, origin: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    throw new ExecutionInputError(`${origin} is not valid JSON (${reason}): ${JSON.stringify(shown)}`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ExecutionInputError(`${origin} must be a JSON object such as {"order": 42}, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Reads and checks the input; `{}` when none is given. */
export async function readExecutionInput(source: InputSource, stdin: NodeJS.ReadableStream = process.stdin): Promise<Record<string, unknown>> {
  if (source.input !== undefined && source.inputFile !== undefined) {
    throw new ExecutionInputError('give the input once: --input or --input-file, not both');
  }
  if (source.inputFile !== undefined) {
    let content: string;
    try {
      content = await readFile(source.inputFile, 'utf8');
    } catch (error: unknown) {
      const code = (error as { code?: unknown }).code;
      throw new ExecutionInputError(`--input-file ${source.inputFile} cannot be read (${String(code ?? error)})`, { cause: error });
    }
    return parseExecutionInput(content, `--input-file ${source.inputFile}`);
  }
  if (source.input === '-') {
    if ((stdin as { isTTY?: boolean }).isTTY) {
      throw new ExecutionInputError('--input - reads the input from standard input: pipe it in, e.g. `cat input.json | npm run local -- --input -`');
    }
    return parseExecutionInput(await text(stdin), '--input - (standard input)');
  }
  return source.input === undefined ? {} : parseExecutionInput(source.input, '--input');
}
