/**
 * What the commands print: colour through picocolors only on a terminal and never with `NO_COLOR`
 * (https://no-color.org), lines kept readable (a long value is cut with a count of what was left
 * out), and JSON documents for `--json`.
 */
import pc from 'picocolors';

/** The colour functions the commands use (identity functions when colour is off). */
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour what goes to `stream`: `FORCE_COLOR` (not "0") turns it on, `NO_COLOR` (any
 * non-empty value) off; otherwise only a terminal that is not "dumb" gets colour (a file, a pipe
 * and CI logs do not).
 */
export function colorEnabled(stream: { readonly isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** Colour functions for `stream` ({@link colorEnabled}). */
export function colorsFor(stream: { readonly isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): Colors {
  return pc.createColors(colorEnabled(stream, env));
}

/** Longest line printed when the output is not a terminal (a terminal uses its width, at least 80). */
export const DEFAULT_LINE_WIDTH = 160;

/** The width lines are kept to on `stream`. */
export function lineWidth(stream: { readonly isTTY?: boolean; readonly columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(80, stream.columns) : DEFAULT_LINE_WIDTH;
}

/**
 * `line` cut to `width` characters when longer, ending with how much was left out, e.g.
 * `  Value: {"Statement":[{"Effect":"Allow",… (+3,812 characters)`. Leading indentation is kept.
 */
export function shortenLine(line: string, width: number = DEFAULT_LINE_WIDTH): string {
  if (line.length <= width) return line;
  const keep = Math.max(20, width - 24);
  const left = line.length - keep;
  return `${line.slice(0, keep)}… (+${left.toLocaleString('en-US')} characters)`;
}

/** Every line of `text` shortened ({@link shortenLine}). */
export function shortenLines(text: string, width: number = DEFAULT_LINE_WIDTH): string {
  return text
    .split('\n')
    .map((line) => shortenLine(line, width))
    .join('\n');
}

/** Prints `value` as one JSON document on stdout (the whole output of a `--json` command). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
