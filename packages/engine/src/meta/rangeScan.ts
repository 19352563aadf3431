/**
 * THE range scanner every listing pages with (ListObjects, ListObjectVersions,
 * ListMultipartUploads, ListParts): one keyspace (`base`), an optional name prefix, an optional
 * delimiter rolling names up into common prefixes, a resume point (marker) and a page limit.
 *
 * With a delimiter, the first entry under a common prefix yields the prefix and the cursor then
 * SEEKS past everything sharing it, so a page costs ~(limit + 1) entry reads however many
 * entries hide under each common prefix. Seek keys come from keys.ts.
 */
import type { MetaDb, Snapshot } from './db';
import * as keys from './keys';

export type ScanItem<V = Buffer> = { kind: 'entry'; name: string; key: Buffer; value: V } | { kind: 'prefix'; prefix: string };

export interface RangeScan<V = Buffer> {
  /** The keyspace: every entry's db key starts with it (keys.objectPrefix(bucketId), ...). */
  base: Buffer;
  /** Only names starting with it. */
  prefix?: string;
  /** Roll names up to `prefix` + up to and including the first delimiter after it. */
  delimiter?: string;
  /** The name of an entry (what prefix and delimiter apply to); default: the key after `base`, UTF-8. */
  nameOf?(dbKey: Buffer): string;
  /**
   * Where to resume: the page before ended at `marker`. When the marker lies in a common prefix
   * (that page returned it), the whole prefix is skipped; else the cursor seeks to `seek`.
   * `onlyFromPrefix`: a marker sorting before `prefix` is ignored (ListObjects, ListObjectVersions).
   */
  resume?: { marker: string; seek: Buffer; onlyFromPrefix?: boolean };
  /** Decodes each value once (skip and the items see the decoded value); default: the raw bytes. */
  decode?(value: Buffer): V;
  /** Entries passed over before any roll-up (ListObjects: delete markers never make a prefix appear). */
  skip?(key: Buffer, value: V): boolean;
  snapshot?: Snapshot;
}

/** The common prefix `name` rolls up into (prefix + up to and including the first delimiter after it). */
export function commonPrefixOf(name: string, prefix: string, delimiter: string): string | undefined {
  const i = name.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : name.slice(0, i + delimiter.length);
}

/** Entries and common prefixes in key order; closing the generator (return/break) closes the cursor. */
export async function* scanRange<V = Buffer>(db: MetaDb, spec: RangeScan<V>): AsyncGenerator<ScanItem<V>> {
  const prefix = spec.prefix ?? '';
  const delimiter = spec.delimiter || undefined;
  const baseLen = spec.base.length;
  const nameOf = spec.nameOf ?? ((k: Buffer) => k.subarray(baseLen).toString('utf8'));
  const decode = spec.decode ?? ((v: Buffer) => v as unknown as V);
  const from = keys.nameKey(spec.base, prefix);
  const cur = db.cursor({ gte: from, lt: keys.prefixSuccessor(from)!, snapshot: spec.snapshot });
  // Past everything under common prefix `cp`; false when nothing can follow.
  const seekPast = (cp: string): boolean => {
    const next = keys.prefixSuccessor(keys.nameKey(spec.base, cp));
    if (next) cur.seek(next);
    return next !== undefined;
  };
  try {
    const r = spec.resume;
    if (r && r.marker !== '' && !(r.onlyFromPrefix && Buffer.compare(Buffer.from(r.marker, 'utf8'), Buffer.from(prefix, 'utf8')) < 0)) {
      const cp = delimiter && r.marker.startsWith(prefix) ? commonPrefixOf(r.marker, prefix, delimiter) : undefined;
      if (cp !== undefined) seekPast(cp);
      else cur.seek(r.seek);
    }
    for (let e = await cur.next(); e; e = await cur.next()) {
      const value = decode(e[1]);
      if (spec.skip?.(e[0], value)) continue;
      const name = nameOf(e[0]);
      const cp = delimiter ? commonPrefixOf(name, prefix, delimiter) : undefined;
      if (cp !== undefined) {
        yield { kind: 'prefix', prefix: cp };
        if (!seekPast(cp)) return;
        continue;
      }
      yield { kind: 'entry', name, key: e[0], value };
    }
  } finally {
    await cur.close();
  }
}

/** Up to `limit` items; truncated when one more exists (read, not returned). Closes `items`. */
export async function takePage<T>(items: AsyncGenerator<T>, limit: number): Promise<{ items: T[]; isTruncated: boolean }> {
  const out: T[] = [];
  let isTruncated = false;
  try {
    if (limit > 0) {
      for (let n = await items.next(); !n.done; n = await items.next()) {
        if (out.length === limit) {
          isTruncated = true;
          break;
        }
        out.push(n.value);
      }
    }
  } finally {
    await items.return(undefined);
  }
  return { items: out, isTruncated };
}
