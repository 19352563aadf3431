/**
 * Trees of files for the client suites: written to a local directory, and read back as stored
 * under a key prefix, both as relative name → size so a sync can be compared in one assertion.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export function writeTree(root: string, files: Record<string, Buffer | string>): void {
  for (const [rel, data] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
}

/** name → byte length of a tree given as name → content. */
export const sizes = (files: Record<string, Buffer | string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.byteLength(v)]));

/** Every key under `prefix` (SDK listing: what the client really stored), prefix stripped → size. */
export async function storedSizes(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) out[o.Key!.slice(prefix.length)] = o.Size!;
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return out;
}
