/**
 * An in-memory store for s3rver, in place of its filesystem store: the embedded S3 keeps s3rver's
 * HTTP API, XML, errors and events (a real S3 API for the handlers' SDK), without the five file
 * operations per request that made it the local run's bottleneck (a CPU profile of 1,000
 * concurrent executions: 10% in graceful-fs alone). It implements the methods s3rver 3.7's
 * controllers call on `ctx.store`, with the same results as `lib/stores/filesystem.js`.
 * Contents last as long as the engine: a local run writes a few hundred bytes per execution.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

/** s3rver's models (CommonJS, no typings): the objects its controllers expect from a store. */
interface S3ObjectModel {
  readonly bucket: string;
  readonly key: string;
  content: Readable | Buffer | null;
  readonly metadata: Record<string, string | number>;
  range?: { start: number; end: number };
}
type S3ObjectClass = new (bucket: string, key: string, content: Readable | Buffer | null, metadata: Record<string, unknown>) => S3ObjectModel;
type S3BucketClass = new (name: string, creationDate: Date) => unknown;
interface ConfigResource {
  readonly type: string;
  toXML(indent?: number): string;
}
type ConfigClass = new (xml: string) => ConfigResource;

const S3Object = require('s3rver/lib/models/object') as S3ObjectClass & { ALLOWED_METADATA: string[] };
const S3Bucket = require('s3rver/lib/models/bucket') as S3BucketClass;
const { getConfigModel } = require('s3rver/lib/models/config') as { getConfigModel: (type: string) => ConfigClass };

interface StoredObject {
  readonly content: Buffer;
  readonly md5: string;
  /** Allowed metadata and `x-amz-meta-*`, as the filesystem store keeps in its .metadata.json. */
  metadata: Record<string, unknown>;
  readonly lastModified: Date;
}

interface StoredBucket {
  readonly createdAt: Date;
  readonly objects: Map<string, StoredObject>;
  /** Subresources (cors, website, tagging) by `<key>/<type>`, as XML. */
  readonly subresources: Map<string, string>;
}

async function readAll(content: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content;
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

function storedMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) kept[name] = value;
  }
  return kept;
}

/** The store; give it to s3rver with {@link useMemoryStore}. */
export class MemoryStore {
  readonly #buckets = new Map<string, StoredBucket>();
  readonly #uploads = new Map<string, { key: string; metadata: Record<string, unknown>; parts: Map<number, Buffer> }>();

  #bucket(name: string): StoredBucket {
    const bucket = this.#buckets.get(name);
    if (!bucket) throw Object.assign(new Error(`no bucket ${name}`), { code: 'ENOENT' });
    return bucket;
  }

  #metadataOf(object: StoredObject): Record<string, unknown> {
    return {
      ...object.metadata,
      etag: JSON.stringify(object.md5),
      'last-modified': object.lastModified.toUTCString(),
      'content-length': object.content.length,
    };
  }

  reset(): void {
    this.#buckets.clear();
    this.#uploads.clear();
  }

  async listBuckets(): Promise<unknown[]> {
    return [...this.#buckets.entries()].map(([name, b]) => new S3Bucket(name, b.createdAt));
  }

  async getBucket(name: string): Promise<unknown> {
    const bucket = this.#buckets.get(name);
    return bucket ? new S3Bucket(name, bucket.createdAt) : null;
  }

  async putBucket(name: string): Promise<unknown> {
    if (!this.#buckets.has(name)) this.#buckets.set(name, { createdAt: new Date(), objects: new Map(), subresources: new Map() });
    return this.getBucket(name);
  }

  async deleteBucket(name: string): Promise<void> {
    this.#buckets.delete(name);
  }

  async listObjects(
    bucketName: string,
    options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number },
  ): Promise<{ objects: S3ObjectModel[]; commonPrefixes: string[]; isTruncated: boolean }> {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const bucket = this.#bucket(bucketName);
    const commonPrefixes = new Set<string>();
    const objects: S3ObjectModel[] = [];
    let isTruncated = false;
    for (const key of [...bucket.objects.keys()].sort()) {
      if (key <= startAfter || !key.startsWith(prefix)) continue;
      if (delimiter) {
        const index = key.slice(prefix.length).indexOf(delimiter);
        if (index !== -1) {
          commonPrefixes.add(key.slice(0, prefix.length + index + 1));
          continue;
        }
      }
      if (objects.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      objects.push(new S3Object(bucketName, key, null, this.#metadataOf(bucket.objects.get(key)!)));
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
  }

  async existsObject(bucket: string, key: string): Promise<boolean> {
    return this.#buckets.get(bucket)?.objects.has(key) ?? false;
  }

  async getObject(bucketName: string, key: string, options?: { start?: number; end?: number }): Promise<S3ObjectModel | null> {
    const stored = this.#buckets.get(bucketName)?.objects.get(key);
    if (!stored) return null;
    const metadata = this.#metadataOf(stored);
    const lastByte = Math.max(0, stored.content.length - 1);
    const range = { start: options?.start ?? 0, end: Math.min(options?.end ?? Infinity, lastByte) };
    const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
    if (range.start < 0 || range.end < range.start) {
      const object = new S3Object(bucketName, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    // A stream, as from the filesystem store: the controller destroys it for HEAD.
    const object = new S3Object(bucketName, key, Readable.from(stored.content.subarray(range.start, range.end + 1)), metadata);
    if (ranged) object.range = range;
    return object;
  }

  async putObject(object: S3ObjectModel): Promise<{ size: number; md5: string }> {
    const content = await readAll(object.content ?? Buffer.alloc(0));
    const md5 = createHash('md5').update(content).digest('hex');
    this.#bucket(object.bucket).objects.set(object.key, { content, md5, metadata: storedMetadata(object.metadata), lastModified: new Date() });
    return { size: content.length, md5 };
  }

  async copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const source = this.#bucket(srcBucket).objects.get(srcKey);
    if (!source) throw Object.assign(new Error(`no object ${srcKey}`), { code: 'ENOENT' });
    const copy: StoredObject = {
      ...source,
      metadata: replacementMetadata ? storedMetadata(replacementMetadata) : source.metadata,
      lastModified: new Date(),
    };
    this.#bucket(destBucket).objects.set(destKey, copy);
    return this.#metadataOf(copy);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.#buckets.get(bucket)?.objects.delete(key);
  }

  async initiateUpload(bucket: string, key: string, uploadId: string, metadata: Record<string, unknown>): Promise<void> {
    this.#bucket(bucket);
    this.#uploads.set(uploadId, { key, metadata, parts: new Map() });
  }

  async putPart(_bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<{ size: number; md5: string }> {
    const upload = this.#uploads.get(uploadId);
    if (!upload) throw Object.assign(new Error(`no upload ${uploadId}`), { code: 'ENOENT' });
    const data = await readAll(content);
    upload.parts.set(partNumber, data);
    return { size: data.length, md5: createHash('md5').update(data).digest('hex') };
  }

  async putObjectMultipart(bucket: string, uploadId: string, parts: { number: number }[]): Promise<{ size: number; md5: string }> {
    const upload = this.#uploads.get(uploadId);
    if (!upload) throw Object.assign(new Error(`no upload ${uploadId}`), { code: 'ENOENT' });
    const content = Buffer.concat([...parts].sort((a, b) => a.number - b.number).map((p) => upload.parts.get(p.number) ?? Buffer.alloc(0)));
    this.#uploads.delete(uploadId);
    return this.putObject(new S3Object(bucket, upload.key, content, upload.metadata));
  }

  async getSubresource(bucket: string, key: string | undefined, type: string): Promise<ConfigResource | null> {
    const xml = this.#buckets.get(bucket)?.subresources.get(`${key ?? ''}/${type}`);
    return xml === undefined ? null : new (getConfigModel(type))(xml);
  }

  async putSubresource(bucket: string, key: string | undefined, resource: ConfigResource): Promise<void> {
    this.#bucket(bucket).subresources.set(`${key ?? ''}/${resource.type}`, resource.toXML(2));
  }

  async deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> {
    this.#buckets.get(bucket)?.subresources.delete(`${key ?? ''}/${type}`);
  }
}

/** The parts of an s3rver instance the tuning touches (Koa underneath). */
interface TunableS3rver {
  store: unknown;
  context: { store: unknown; logger: unknown };
  middleware: { name?: string }[];
}

const SILENT_LOGGER = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * Tunes an s3rver instance before `run()`: the in-memory store, and logging off (its request
 * logger, koa-logger, formats every request even when silent; its controllers log each object).
 */
export function useMemoryStore(server: unknown): MemoryStore {
  const tunable = server as TunableS3rver;
  const store = new MemoryStore();
  tunable.store = store;
  tunable.context.store = store;
  tunable.context.logger = SILENT_LOGGER;
  tunable.middleware = tunable.middleware.filter((middleware) => middleware.name !== 'logger');
  return store;
}
