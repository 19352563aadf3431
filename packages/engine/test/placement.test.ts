import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Engine, fsck } from '../src';
import { body, bytes, readAll, tempDir } from './helpers';
import { MIN_PART_SIZE } from '../src/multipart/uploadRecords';

const CS = 16;

/** Chunk files under `<root>/chunks` (tmp excluded), by hash. */
async function files(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) {
        if (e.name !== 'tmp') await walk(path.join(dir, e.name));
      } else out.add(e.name);
    }
  };
  await walk(path.join(root, 'chunks'));
  return out;
}

const hashesOf = (data: Buffer, cs = CS): string[] => {
  const out: string[] = [];
  for (let i = 0; i < data.length; i += cs)
    out.push(
      createHash('sha256')
        .update(data.subarray(i, i + cs))
        .digest('hex'),
    );
  return out;
};

describe('storage class placements', () => {
  let dataDir: string;
  let cold: string;
  let engine: Engine;

  beforeEach(async () => {
    dataDir = await tempDir();
    cold = await tempDir();
    engine = await Engine.open({
      dataDir,
      fsync: false,
      chunkSize: CS,
      gcGraceMs: 0,
      placements: { cold },
      storageClassPlacement: { GLACIER: 'cold', DEEP_ARCHIVE: 'cold' },
    });
    await engine.createBucket('bkt', { owner: 'a' });
  });

  afterEach(async () => {
    await engine.close().catch(() => undefined);
    await fs.promises.rm(dataDir, { recursive: true, force: true });
    await fs.promises.rm(cold, { recursive: true, force: true });
  });

  it('writes each class to its placement, moves chunks on a class change, and stays consistent', async () => {
    const hot = bytes(5 * CS, 1);
    const frozen = bytes(4 * CS, 2);
    await engine.putObject('bkt', 'hot', body(hot), { owner: 'a' });
    await engine.putObject('bkt', 'frozen', body(frozen), { owner: 'a', storageClass: 'GLACIER' });
    for (const h of hashesOf(hot)) expect((await files(dataDir)).has(h)).toBe(true);
    for (const h of hashesOf(frozen)) {
      expect((await files(cold)).has(h)).toBe(true);
      expect((await files(dataDir)).has(h)).toBe(false);
    }
    expect(await readAll((await engine.getObject('bkt', 'frozen')).body)).toEqual(frozen);

    // Dedup within a placement: the same bytes again in GLACIER add no file.
    const before = (await files(cold)).size;
    await engine.putObject('bkt', 'frozen2', body(frozen), { owner: 'a', storageClass: 'DEEP_ARCHIVE' });
    expect((await files(cold)).size).toBe(before);

    // Copy-in-place STANDARD -> GLACIER moves the chunks; GC then frees the old ones.
    const meta = await engine.copyObject('bkt', 'hot', 'bkt', 'hot', { owner: 'a', storageClass: 'GLACIER' });
    expect(meta.storageClass).toBe('GLACIER');
    for (const h of hashesOf(hot)) expect((await files(cold)).has(h)).toBe(true);
    expect(await readAll((await engine.getObject('bkt', 'hot')).body)).toEqual(hot);
    await engine.gc({ graceMs: 0 });
    for (const h of hashesOf(hot)) expect((await files(dataDir)).has(h)).toBe(false);

    // And back: GLACIER -> STANDARD through a copy to another key keeps the source where it is.
    await engine.copyObject('bkt', 'frozen', 'bkt', 'warm', { owner: 'a' });
    for (const h of hashesOf(frozen)) {
      expect((await files(dataDir)).has(h)).toBe(true);
      expect((await files(cold)).has(h)).toBe(true);
    }
    expect(await readAll((await engine.getObject('bkt', 'warm')).body)).toEqual(frozen);

    // Same placement: metadata only (DEEP_ARCHIVE -> GLACIER both map to cold).
    const coldBefore = (await files(cold)).size;
    await engine.copyObject('bkt', 'frozen2', 'bkt', 'frozen2', { owner: 'a', storageClass: 'GLACIER' });
    expect((await files(cold)).size).toBe(coldBefore);

    await engine.gc({ graceMs: 0 });
    expect(await engine.verifyRefcounts({ checkFiles: true })).toMatchObject({ ok: true, problems: [] });
    expect((await engine.usage()).chunks).toBe(new Set([...hashesOf(hot), ...hashesOf(frozen)]).size + new Set(hashesOf(frozen)).size);
  });

  it('multipart uploads land in the placement of their class, including copied parts', async () => {
    const MiB = 1024 * 1024;
    await engine.close();
    engine = await Engine.open({ dataDir, fsync: false, chunkSize: MiB, gcGraceMs: 0, placements: { cold }, storageClassPlacement: { GLACIER: 'cold' } });
    const src = bytes(2 * MiB + 5, 3);
    await engine.putObject('bkt', 'src', body(src, 64 * 1024), { owner: 'a' });
    const u = await engine.createMultipartUpload('bkt', 'mp', { owner: 'a', storageClass: 'GLACIER' });
    const p1 = bytes(MIN_PART_SIZE, 4);
    const r1 = await engine.uploadPart('bkt', 'mp', u.uploadId, 1, body(p1, 64 * 1024));
    const r2 = await engine.uploadPartCopy('bkt', 'src', 'bkt', 'mp', u.uploadId, 2, {});
    await engine.completeMultipartUpload('bkt', 'mp', u.uploadId, [
      { partNumber: 1, etag: r1.etag },
      { partNumber: 2, etag: r2.etag },
    ]);
    for (const h of [...hashesOf(p1, MiB), ...hashesOf(src, MiB)]) expect((await files(cold)).has(h)).toBe(true);
    for (const h of hashesOf(p1, MiB)) expect((await files(dataDir)).has(h)).toBe(false);
    const want = Buffer.concat([p1, src]);
    expect((await readAll((await engine.getObject('bkt', 'mp')).body)).equals(want)).toBe(true);
    await engine.deleteObject('bkt', 'src');
    await engine.gc({ graceMs: 0 });
    for (const h of hashesOf(src, MiB)) expect((await files(dataDir)).has(h)).toBe(false);
    expect((await readAll((await engine.getObject('bkt', 'mp')).body)).equals(want)).toBe(true);
    expect(await engine.verifyRefcounts({ checkFiles: true })).toMatchObject({ ok: true, problems: [] });
  });

  it('rejects placements that are not configured', async () => {
    await expect(Engine.open({ dataDir, fsync: false, storageClassPlacement: { GLACIER: 'nowhere' } })).rejects.toThrow(/unknown placement/);
    await expect(Engine.open({ dataDir, fsync: false, placements: { 'Bad/Name': cold } })).rejects.toThrow(/invalid placement name/);
  });

  it("rejects two placements on one location (each would take the other's chunks for orphans)", async () => {
    await expect(Engine.open({ dataDir, fsync: false, placements: { a: cold, b: `${cold}/` } })).rejects.toThrow(
      /placements "a" and "b" use the same chunk location/,
    );
    await expect(Engine.open({ dataDir, fsync: false, placements: { a: dataDir } })).rejects.toThrow(
      /placements "default" and "a" use the same chunk location/,
    );
    await expect(
      Engine.open({
        dataDir,
        fsync: false,
        placements: { a: 's3://bkt/p?endpoint=http://127.0.0.1:1', b: 's3://bkt/p?endpoint=http://127.0.0.1:1&region=eu-west-1' },
      }),
    ).rejects.toThrow(/same chunk location/);
  });
});

describe('fsck with placements', () => {
  it('checks every placement: clean store, then an orphan and a missing chunk in the extra one', async () => {
    const dataDir = await tempDir();
    const cold = await tempDir();
    try {
      const opts = { dataDir, fsync: false, chunkSize: CS, placements: { cold }, storageClassPlacement: { GLACIER: 'cold' as const } };
      let engine = await Engine.open(opts);
      await engine.createBucket('bkt', { owner: 'a' });
      const data = bytes(3 * CS, 7);
      await engine.putObject('bkt', 'k', body(data), { owner: 'a', storageClass: 'GLACIER' });
      await engine.putObject('bkt', 'std', body(bytes(2 * CS, 8)), { owner: 'a' });
      await engine.close();
      expect((await fsck(dataDir, { placements: { cold } })).clean).toBe(true);

      // Without being told about the placement, its referenced chunks are missing.
      expect((await fsck(dataDir)).counts['missing-chunk']).toBe(3);

      const [h] = hashesOf(data);
      const file = path.join(cold, 'chunks', h.slice(0, 2), h.slice(2, 4), h);
      await fs.promises.rm(file);
      const orphan = Buffer.from('orphan');
      const oh = createHash('sha256').update(orphan).digest('hex');
      await fs.promises.mkdir(path.join(cold, 'chunks', oh.slice(0, 2), oh.slice(2, 4)), { recursive: true });
      await fs.promises.writeFile(path.join(cold, 'chunks', oh.slice(0, 2), oh.slice(2, 4), oh), orphan);
      const r = await fsck(dataDir, { placements: { cold } });
      expect(r.counts).toMatchObject({ 'missing-chunk': 1, 'orphan-chunk-file': 1 });
      expect(r.findings.find((f) => f.kind === 'missing-chunk')!.affected).toEqual(['object bkt/k']);
      engine = await Engine.open(opts);
      await engine.close();
    } finally {
      await fs.promises.rm(dataDir, { recursive: true, force: true });
      await fs.promises.rm(cold, { recursive: true, force: true });
    }
  });
});
