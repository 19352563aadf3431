import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { Engine, chunkRelativePath } from '@cairn/engine';
import { fsckMain } from '../src/cli/fsckCli';

/** `cairn fsck` as a command: output formats and exit statuses (the checks are engine-tested). */
function sink(): Writable & { text: () => string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => buf;
  return w;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await fsckMain(args, out, err);
  return { code, out: out.text(), err: err.text() };
}

describe('cairn fsck', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-fsck-cli-'));
    const e = await Engine.open({ dataDir: dir, fsync: false, chunkSize: 1024 });
    await e.createBucket('bkt', { owner: 'o' });
    await e.putObject('bkt', 'k', [randomBytes(5000)] as unknown as AsyncIterable<Buffer>, { owner: 'o' });
    await e.close();
  });
  afterAll(() => fs.promises.rm(dir, { recursive: true, force: true }));

  it('clean store: exit 0, text and JSON reports', async () => {
    const text = await run(['--data', dir]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/1 buckets, 1 records, 5 chunk records \(5 referenced\), 5 chunk files/);
    expect(text.out.trim().endsWith('clean')).toBe(true);
    const json = await run(['--data', dir, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ clean: true, findings: [], stats: { chunkFiles: 5 } });
  });

  it('garbage awaiting collection is reported (exit 0, not silently "clean") and --repair collects it', async () => {
    const g = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-fsck-garbage-'));
    try {
      const e = await Engine.open({ dataDir: g, fsync: false, chunkSize: 1024 });
      await e.createBucket('bkt', { owner: 'o' });
      await e.putObject('bkt', 'keep', [randomBytes(2048)] as unknown as AsyncIterable<Buffer>, { owner: 'o' });
      await e.putObject('bkt', 'gone', [randomBytes(3000)] as unknown as AsyncIterable<Buffer>, { owner: 'o' });
      await e.deleteObject('bkt', 'gone');
      await e.close();
      // Within the default 60 s grace: nothing to say.
      expect((await run(['--data', g])).out.trim().endsWith('clean')).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      const found = await run(['--data', g, '--gc-grace', '0.01']);
      expect(found.code).toBe(0);
      expect(found.out).toMatch(/garbage awaiting collection: 3 unreferenced chunks \(0\.0 MiB\) older than the 0\.01 s grace period/);
      expect(found.out.trim()).toMatch(/clean, with 0\.0 MiB of garbage awaiting collection$/);
      const json = JSON.parse((await run(['--data', g, '--gc-grace', '0.01', '--json'])).out);
      expect(json).toMatchObject({ clean: true, findings: [], garbage: { chunks: 3, bytes: 3000, graceMs: 10 } });
      const fixed = await run(['--data', g, '--gc-grace', '0.01', '--repair']);
      expect(fixed.code).toBe(0);
      expect(fixed.out).toMatch(/collected: 3 chunks/);
      const after = await run(['--data', g, '--gc-grace', '0', '--json']);
      expect(JSON.parse(after.out)).toMatchObject({ clean: true, findings: [], garbage: { chunks: 0 }, stats: { chunkFiles: 2 } });
      expect((await run(['--data', g, '--gc-grace', 'soon'])).code).toBe(2);
    } finally {
      await fs.promises.rm(g, { recursive: true, force: true });
    }
  });

  it('inconsistencies: exit 1 until repaired', async () => {
    const junk = randomBytes(100);
    const file = path.join(dir, 'chunks', chunkRelativePath(createHash('sha256').update(junk).digest('hex')));
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, junk);
    const found = await run(['--data', dir]);
    expect(found.code).toBe(1);
    expect(found.out).toMatch(/\[repairable\] orphan-chunk-file/);
    expect(found.out).toMatch(/1 problems found: run with --repair/);
    const fixed = await run(['--data', dir, '--repair']);
    expect(fixed.code).toBe(0);
    expect(fixed.out).toMatch(/\[repaired\] orphan-chunk-file/);
    expect((await run(['--data', dir])).code).toBe(0);
  });

  it('usage errors, non-stores and a store in use: exit 2', async () => {
    expect((await run(['--bogus'])).code).toBe(2);
    expect((await run(['--data', dir, 'extra'])).code).toBe(2);
    const missing = await run(['--data', path.join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/not a Cairn data directory/);
    const e = await Engine.open({ dataDir: dir, fsync: false, chunkSize: 1024 });
    try {
      const busy = await run(['--data', dir]);
      expect(busy.code).toBe(2);
      expect(busy.err).toMatch(/in use .*stop it first/);
    } finally {
      await e.close();
    }
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: cairn fsck/);
  });
});

describe('cairn fsck --placement', () => {
  it('checks the chunk directories of extra placements (missing without the flag)', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-fsck-cli-'));
    const cold = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-fsck-cold-'));
    try {
      const e = await Engine.open({ dataDir: dir, fsync: false, chunkSize: 1024, placements: { cold }, storageClassPlacement: { GLACIER: 'cold' } });
      await e.createBucket('bkt', { owner: 'o' });
      await e.putObject('bkt', 'k', [randomBytes(3000)] as unknown as AsyncIterable<Buffer>, { owner: 'o', storageClass: 'GLACIER' });
      await e.close();
      expect((await run(['--data', dir, '--placement', `cold=${cold}`])).code).toBe(0);
      const without = await run(['--data', dir, '--json']);
      expect(without.code).toBe(1);
      expect(JSON.parse(without.out).counts['missing-chunk']).toBe(3);
      const bad = await run(['--data', dir, '--placement', 'nodir']);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/NAME=VALUE/);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rm(cold, { recursive: true, force: true });
    }
  });
});
