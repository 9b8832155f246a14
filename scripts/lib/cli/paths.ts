/** Path helpers shared by the deploy commands. */
import { isAbsolute, relative } from 'node:path';

/** `file` relative to the working directory when it lies below it, else absolute (for messages). */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
