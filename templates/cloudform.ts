/**
 * The one import of cloudform. Under native ESM the package's default export is its CommonJS
 * export object (which carries `Fn`, `Refs` and the resource namespaces), while the type files
 * describe named exports; this module resolves both to one typed object.
 */
import * as cloudformModule from 'cloudform';

type CloudformModule = typeof cloudformModule;
const loaded = cloudformModule as unknown as CloudformModule & { default?: unknown };

/** cloudform's exports (resource classes, `Fn`, `Refs`, parameter classes). */
export const cf: CloudformModule =
  typeof loaded.Fn === 'object' ? loaded : ((loaded.default ?? loaded) as unknown as CloudformModule);

export type { IntrinsicFunction, Value, Template, ResourceTag } from 'cloudform';
