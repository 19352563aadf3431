/**
 * The storage-class placement flags shared by `cairn serve` and `cairn fsck`:
 * `--placement NAME=DIR` (an extra chunk directory, or an s3:// URL as `--chunks`) and `--class-placement CLASS=NAME` (where a
 * storage class's chunks go). The engine validates names and classes when it opens.
 */
import { resolve } from 'node:path';
import { isS3ChunkUrl, type StorageClass } from '@cairn/engine';

function pairs(flag: string, values: string[] | undefined): [string, string][] {
  return (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new Error(`${flag}: expected NAME=VALUE, got ${v}`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

export function parsePlacements(values: string[] | undefined): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, dir] of pairs('--placement', values)) {
    if (name in out) throw new Error(`--placement: ${name} given twice`);
    out[name] = isS3ChunkUrl(dir) ? dir : resolve(dir);
  }
  return Object.keys(out).length ? out : undefined;
}

export function parseClassPlacements(values: string[] | undefined): Partial<Record<StorageClass, string>> | undefined {
  const out: Partial<Record<StorageClass, string>> = {};
  for (const [sc, name] of pairs('--class-placement', values)) {
    if (sc in out) throw new Error(`--class-placement: ${sc} given twice`);
    out[sc as StorageClass] = name;
  }
  return Object.keys(out).length ? out : undefined;
}
