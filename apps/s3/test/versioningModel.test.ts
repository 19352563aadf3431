/**
 * Model-based versioning test through @aws-sdk/client-s3 (the engine-level one runs 1000+ steps):
 * random put / delete / delete-version / copy / suspend / enable against a reference model of
 * S3's semantics, compared after every step via ListObjectVersions (paged), ListObjectsV2 and
 * GET. Seeded; the seed is in the test name and in any failure message.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  type ListObjectVersionsCommandOutput,
} from '@aws-sdk/client-s3';
import { useTestServer } from './helpers/suiteServer';

interface MV {
  versionId: string;
  marker: boolean;
  data?: string;
}

let s3: S3Client;
useTestServer((env) => (s3 = env.s3));

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'd/x', 'd/y', 'z z'];

async function listVersions(bucket: string): Promise<string[]> {
  const out: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page: ListObjectVersionsCommandOutput = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 3, KeyMarker, VersionIdMarker }));
    // The SDK splits the interleaved list into Versions / DeleteMarkers, so the comparison is as
    // sets (the engine-level model test checks the exact order).
    const entries = [...(page.Versions ?? []).map((v) => ({ ...v, m: 'O' })), ...(page.DeleteMarkers ?? []).map((d) => ({ ...d, m: 'M' }))];
    for (const e of entries) out.push(`${e.Key}|${e.VersionId}|${e.IsLatest ? 'L' : '-'}|${e.m}`);
    if (!page.IsTruncated) return out;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

test.each([Number(process.env.CAIRN_MODEL_SEED ?? Date.now() % 100000)])(
  '250 random steps through the SDK agree with the model (seed %i)',
  async (seed) => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const bucket = `model-${seed}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    let state: 'Enabled' | 'Suspended' | undefined;
    const model = new Map<string, MV[]>();
    const insert = (key: string, v: MV) => {
      let list = model.get(key) ?? [];
      if (state !== 'Enabled') list = list.filter((x) => x.versionId !== 'null');
      model.set(key, [v, ...list]);
    };
    let step = 0;
    try {
      for (step = 0; step < 250; step++) {
        const r = rnd();
        const key = pick(KEYS);
        if (r < 0.05) {
          state = state === undefined || rnd() < 0.5 ? 'Enabled' : 'Suspended';
          await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: state } }));
        } else if (r < 0.45) {
          const data = `d${step}`;
          const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
          expect(res.VersionId).toEqual(state === 'Enabled' ? expect.stringMatching(/^[0-9a-f]{24}$/) : state === 'Suspended' ? 'null' : undefined);
          insert(key, { versionId: res.VersionId ?? 'null', marker: false, data });
        } else if (r < 0.6) {
          const res = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
          if (state === undefined) {
            expect(res.DeleteMarker).toBeUndefined();
            model.delete(key);
          } else {
            expect(res.DeleteMarker).toBe(true);
            insert(key, { versionId: res.VersionId!, marker: true });
          }
        } else if (r < 0.8) {
          const list = model.get(key) ?? [];
          if (!list.length) continue;
          const v = pick(list);
          const res = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.versionId }));
          expect(!!res.DeleteMarker).toBe(v.marker);
          const rest = list.filter((x) => x !== v);
          if (rest.length) model.set(key, rest);
          else model.delete(key);
        } else {
          const src = pick(KEYS);
          const latest = model.get(src)?.[0];
          if (!latest || latest.marker) continue;
          const res = await s3.send(
            new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(src)}`, MetadataDirective: 'REPLACE' }),
          );
          insert(key, { versionId: res.VersionId ?? 'null', marker: false, data: latest.data });
        }
        const keys = [...model.keys()].sort();
        const want: string[] = [];
        for (const k of keys) model.get(k)!.forEach((v, i) => want.push(`${k}|${v.versionId}|${i === 0 ? 'L' : '-'}|${v.marker ? 'M' : 'O'}`));
        const got = await listVersions(bucket);
        expect([...got].sort()).toEqual([...want].sort());
        const live = keys.filter((k) => !model.get(k)![0].marker);
        expect(((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key)).toEqual(live);
        const latest = model.get(key)?.[0];
        if (latest && !latest.marker) {
          const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          expect(await g.Body!.transformToString()).toBe(latest.data);
        }
      }
    } catch (e) {
      throw new Error(`SDK versioning model failed: seed=${seed} step=${step}: ${(e as Error).stack ?? e}`, { cause: e });
    }
  },
  120_000,
);
