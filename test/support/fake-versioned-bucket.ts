/**
 * Test support: an in-memory versioned bucket behind a mocked S3 client (aws-sdk-client-mock), for
 * emptying tests that need many versions, control over timing and AccessDenied answers, and a
 * check that a listing never starts after a version that is deleted or being deleted.
 */
import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type _Error as S3Error,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTestFinished } from 'vitest';

/** A bucket holding `count` versions, one per key (`k000000`, ...). */
export class FakeVersionedBucket {
  readonly s3 = new S3Client({ region: 'us-east-1' });
  /** Keys still there, in listing order. */
  private keys: string[];
  /** Sizes of the DeleteObjects requests, in order. */
  readonly deleteBatches: number[] = [];
  /** KeyMarker of each ListObjectVersions request (`''` for the first page). */
  readonly listMarkers: string[] = [];
  /** Listings that started after a key being deleted or gone, deletions of a key a listing starts after. */
  readonly violations: string[] = [];
  /** Most requests in flight at once. */
  maxInFlight = 0;
  /** Times each key is still answered AccessDenied by DeleteObjects. */
  readonly denied = new Map<string, number>();
  private inFlight = 0;
  private readonly listingAfter = new Set<string>();
  private readonly deleting = new Set<string>();

  constructor(count: number) {
    this.keys = Array.from({ length: count }, (_, i) => `k${String(i).padStart(6, '0')}`);
    const mock = mockClient(this.s3);
    // Made inside a test; the stub goes with it.
    onTestFinished(() => mock.restore());
    mock.on(ListObjectVersionsCommand).callsFake((input) => this.list(input));
    mock.on(DeleteObjectsCommand).callsFake((input) => this.delete(input));
  }

  /** Versions left. */
  get size(): number {
    return this.keys.length;
  }

  private async list(input: { KeyMarker?: string; MaxKeys?: number }) {
    const marker = input.KeyMarker;
    this.listMarkers.push(marker ?? '');
    if (marker !== undefined && (!this.keys.includes(marker) || this.deleting.has(marker))) {
      this.violations.push(`listed after ${marker}, deleted or being deleted`);
    }
    return this.during(marker ? [marker] : [], this.listingAfter, () => {
      const start = marker === undefined ? 0 : this.keys.findIndex((key) => key > marker);
      const rest = start < 0 ? [] : this.keys.slice(start);
      const page = rest.slice(0, input.MaxKeys ?? 1000);
      const truncated = rest.length > page.length;
      return {
        Versions: page.map((Key) => ({ Key, VersionId: `v-${Key}` })),
        IsTruncated: truncated,
        ...(truncated ? { NextKeyMarker: page.at(-1), NextVersionIdMarker: `v-${page.at(-1)}` } : {}),
      };
    });
  }

  private async delete(input: { Delete?: { Objects?: ObjectIdentifier[] } }) {
    const keys = (input.Delete?.Objects ?? []).map((o) => o.Key ?? '');
    this.deleteBatches.push(keys.length);
    for (const key of keys) if (this.listingAfter.has(key)) this.violations.push(`deleted ${key} while listing after it`);
    return this.during(keys, this.deleting, () => {
      const errors: S3Error[] = [];
      const gone = new Set<string>();
      for (const key of keys) {
        const times = this.denied.get(key) ?? 0;
        if (times > 0) {
          this.denied.set(key, times - 1);
          errors.push({ Key: key, VersionId: `v-${key}`, Code: 'AccessDenied', Message: 'Access Denied' });
        } else gone.add(key);
      }
      this.keys = this.keys.filter((key) => !gone.has(key));
      return errors.length > 0 ? { Errors: errors } : {};
    });
  }

  /** Runs `answer` after a pause, with `keys` in `set` meanwhile, counting requests in flight. */
  private async during<T>(keys: readonly string[], set: Set<string>, answer: () => T): Promise<T> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    for (const key of keys) set.add(key);
    try {
      await sleep(2);
      return answer();
    } finally {
      for (const key of keys) set.delete(key);
      this.inFlight -= 1;
    }
  }
}
