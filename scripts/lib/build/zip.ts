/**
 * Deterministic zip archives (fflate): the same files give the same bytes on every machine, in
 * every time zone, so that content-addressed keys change only when the code does.
 */
import { zipSync, type ZipAttributes } from 'fflate';

/**
 * Timestamp of every entry. Zip (DOS) timestamps hold local date and time fields, which fflate
 * fills from a Date in local time: a local 2000-01-01 00:00 gives the same fields everywhere
 * (a UTC date would not, and 1980-01-01 UTC underflows the DOS epoch east of UTC).
 */
export const ZIP_MTIME = new Date(2000, 0, 1, 0, 0, 0);

/** Regular file, rw-r--r--, in the high 16 bits of the external attributes (unix origin). */
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;

/** Origin "Unix" (APPNOTE 4.4.2.2), so that unzip and Lambda honour the permission bits. */
const UNIX_ORIGIN = 3;

/** Zips `files` (name -> content) with sorted entries, fixed timestamps and fixed permissions. */
export function deterministicZip(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const attributes: ZipAttributes = { mtime: ZIP_MTIME, os: UNIX_ORIGIN, attrs: UNIX_FILE_0644 };
  const entries: Record<string, [Uint8Array, ZipAttributes]> = {};
  // fflate writes entries in key order, which is insertion order for these non-numeric names.
  for (const name of Object.keys(files).sort()) {
    const content = files[name];
    if (content) entries[name] = [content, attributes];
  }
  return zipSync(entries, { level: 9 });
}
