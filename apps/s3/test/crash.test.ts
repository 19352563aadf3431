/**
 * Crash safety, end to end: the real `cairn serve` (fsync on) runs as a child process under a
 * concurrent S3 workload (PUTs of 0..3 MiB with some shared content, overwrites, deletes, copies,
 * multipart uploads when the server has them) and is killed with SIGKILL at random moments
 * (200-1500 ms after the round's first acknowledged writes).
 * After every kill: `cairn fsck` finds no damage (orphan chunk files and temp files of interrupted
 * uploads are allowed until GC), the server restarts on the same directory, and every key reads
 * back as one of the values the history allows: the last acknowledged write, or one of the writes
 * in flight at the kill; never a mix, never truncated. At the end, after GC, `fsck` is spotless.
 *
 * The server is bundled from source with esbuild (no prior build needed), like the engine's own
 * crash test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Engine } from '@cairn/engine';
import {
  S3Client,
  PutObjectCommand,
  GetObjectCommand,
  DeleteObjectCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { bundleCli } from './helpers/cliBundle';
import { metaFor, onPostgres, withMeta } from './helpers/testMeta';

const KEY_ID = 'CRASHTESTKEY00000001';
const SECRET = 'crash-test-secret-000000000000000000000';
const BUCKET = 'crash';
const KEYS = Array.from({ length: 24 }, (_, i) => `k${i}`);
const ROUNDS = 5;
const WORKERS = 8;
const MiB = 1024 * 1024;
/** fsck findings a kill may legitimately leave behind (GC / server start clean them up). */
const ALLOWED_AFTER_CRASH = new Set(['orphan-chunk-file', 'stale-temp-file']);

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const rand = (n: number): number => Math.floor(Math.random() * n);
const ABSENT = 'absent';

interface Server {
  child: ChildProcess;
  endpoint: string;
}

async function startServer(cli: string, data: string): Promise<Server> {
  const child = spawn(process.execPath, [cli, ...withMeta(['serve', '--data', data, '--port', '0', '--fsync', 'true', '--quiet'])], {
    env: { ...process.env, CAIRN_ACCESS_KEY_ID: KEY_ID, CAIRN_SECRET_ACCESS_KEY: SECRET },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /serving S3 on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  return { child, endpoint };
}

async function kill9(s: Server): Promise<void> {
  // Already gone: its 'exit' has been emitted, and waiting for another one would hang forever (the
  // cleanup after a failed round used to, hiding the failure behind the 120 s test timeout).
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.kill('SIGKILL');
  await exited;
}

interface FsckRun {
  code: number;
  report: { clean: boolean; findings: { kind: string; message: string }[]; counts: Record<string, number>; stats: Record<string, number> };
  stderr: string;
}

async function runFsck(cli: string, data: string, repair = false): Promise<FsckRun> {
  const child = spawn(process.execPath, [cli, ...withMeta(['fsck', '--data', data, '--json', ...(repair ? ['--repair'] : [])])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  if (code !== 0 && code !== 1) throw new Error(`fsck exited ${code}: ${err}`);
  return { code, report: JSON.parse(out), stderr: err };
}

/** One write to a key as the client saw it. */
interface Write {
  start: number;
  /** Sequence number of the acknowledgement; undefined while in flight / uncertain. */
  ack?: number;
  /** Possible resulting values: content md5s or ABSENT. */
  values: string[];
}

class History {
  private seq = 0;
  readonly writes = new Map<string, Write[]>();
  /** Every value a key ever had or may have had (what an unacknowledged copy of it may carry). */
  readonly everValues = new Map<string, Set<string>>();
  /** ETag → content md5 (multipart ETags aren't content md5s). */
  readonly etagToMd5 = new Map<string, string>();
  acked = 0;
  uncertain = 0;

  begin(key: string, values: string[]): Write {
    const w: Write = { start: ++this.seq, values };
    (this.writes.get(key) ?? this.writes.set(key, []).get(key)!).push(w);
    const ever = this.everValues.get(key) ?? this.everValues.set(key, new Set()).get(key)!;
    for (const v of values) ever.add(v);
    return w;
  }

  ack(w: Write, values?: string[]): void {
    w.ack = ++this.seq;
    if (values) w.values = values;
    this.acked++;
  }

  /** A definite failure (an S3 error response): the write did not happen. */
  drop(key: string, w: Write): void {
    const list = this.writes.get(key)!;
    list.splice(list.indexOf(w), 1);
  }

  /**
   * Values the key may hold now: acknowledged writes that no acknowledged write started after
   * (it committed later), plus every write still uncertain (it may have committed at any point).
   */
  allowed(key: string): Set<string> {
    const list = this.writes.get(key) ?? [];
    const acked = list.filter((w) => w.ack !== undefined);
    const out = new Set<string>();
    for (const w of list) {
      if (w.ack === undefined || !acked.some((b) => b.start > w.ack!)) for (const v of w.values) out.add(v);
    }
    if (list.length === 0) out.add(ABSENT);
    return out;
  }

  /** After a verified read, the observed value is the new baseline. */
  settle(key: string, value: string): void {
    this.uncertain += (this.writes.get(key) ?? []).filter((w) => w.ack === undefined).length;
    this.writes.set(key, []);
    const w = this.begin(key, [value]);
    w.ack = w.start;
  }
}

function client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    maxAttempts: 1,
    // A request the kill leaves without an answer must end (as "unanswered": maybe applied) rather
    // than wait forever. (The occasional 120 s timeout once blamed on this was a hidden failure:
    // see the multipart ETag and kill9 below.)
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
}

/** An S3 error response means the server answered: the operation definitely did not apply. */
const answered = (e: unknown): boolean => typeof (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 'number';

const SHARED = [randomBytes(2 * 1024), randomBytes(100 * 1024), randomBytes(Math.floor(1.5 * MiB)), randomBytes(3 * MiB)];

function randomBody(): Buffer {
  const r = Math.random();
  if (r < 0.25) return SHARED[rand(SHARED.length)]; // identical content: dedup
  if (r < 0.45) return randomBytes(rand(4097)); // tiny (incl. empty): inline bodies
  if (r < 0.8) return randomBytes(rand(512 * 1024));
  return randomBytes(rand(3 * MiB + 1));
}

async function workload(s3: S3Client, h: History, stop: { now: boolean }, multipart: boolean): Promise<void> {
  while (!stop.now) {
    const key = KEYS[rand(KEYS.length)];
    const r = Math.random();
    if (r < 0.55) {
      const body = randomBody();
      const value = md5(body);
      h.etagToMd5.set(value, value);
      const w = h.begin(key, [value]);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })).then(
        () => h.ack(w),
        (e) => answered(e) && h.drop(key, w),
      );
    } else if (r < 0.67) {
      const w = h.begin(key, [ABSENT]);
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })).then(
        () => h.ack(w),
        (e) => answered(e) && h.drop(key, w),
      );
    } else if (r < 0.85 || !multipart) {
      const src = KEYS[rand(KEYS.length)];
      if (src === key) continue;
      const w = h.begin(key, [...(h.everValues.get(src) ?? [])]);
      await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/${src}` })).then(
        (res) => {
          const etag = res.CopyObjectResult!.ETag!.replace(/"/g, '');
          const value = h.etagToMd5.get(etag);
          if (!value) throw new Error(`copy returned an ETag never written: ${etag}`);
          h.ack(w, [value]);
        },
        (e) => answered(e) && h.drop(key, w),
      );
    } else {
      // Multipart: a 5 MiB part and a small last one; only Complete changes the key.
      const parts = [randomBytes(5 * MiB), randomBytes(rand(MiB))];
      const value = md5(Buffer.concat(parts));
      // The object's ETag is known before Complete answers (md5 of the parts' md5s, "-2"): a copy
      // of the key can return it before this worker sees Complete's response (or after a kill
      // took that response), and must be mapped to the content then too.
      h.etagToMd5.set(`${md5(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest())))}-${parts.length}`, value);
      let w: Write | undefined;
      try {
        const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
        const etags: string[] = [];
        for (let i = 0; i < parts.length; i++) {
          etags.push((await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, PartNumber: i + 1, Body: parts[i] }))).ETag!);
        }
        w = h.begin(key, [value]);
        const done = await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: key,
            UploadId: up.UploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }),
        );
        h.etagToMd5.set(done.ETag!.replace(/"/g, ''), value);
        h.ack(w);
      } catch (e) {
        if (w && answered(e)) h.drop(key, w);
      }
    }
  }
}

/** Reads every key back; each must hold one of the values its history allows. */
async function verify(s3: S3Client, h: History): Promise<{ keys: number; exact: number }> {
  let exact = 0;
  for (const key of KEYS) {
    const allowed = h.allowed(key);
    let got: string;
    try {
      const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const body = Buffer.from(await res.Body!.transformToByteArray());
      expect(body.length).toBe(res.ContentLength);
      got = md5(body);
    } catch (e) {
      if ((e as { name?: string }).name !== 'NoSuchKey') throw e;
      got = ABSENT;
    }
    if (!allowed.has(got)) throw new Error(`key ${key} holds ${got}, allowed: ${[...allowed].join(', ')}`);
    if (allowed.size === 1) exact++;
    h.settle(key, got);
  }
  return { keys: KEYS.length, exact };
}

/** Returns how many leftovers (orphan chunk files, temp files) the kill left. */
function assertNoDamage(run: FsckRun): number {
  const damage = run.report.findings.filter((f) => !ALLOWED_AFTER_CRASH.has(f.kind));
  expect(damage).toEqual([]);
  return run.report.findings.length;
}

describe('crash safety (real server, kill -9)', () => {
  it('survives repeated kill -9 under concurrent load without losing or mixing acknowledged writes', async () => {
    const started = Date.now();
    const cli = await bundleCli('crash');
    const data = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-crash-'));
    const h = new History();
    let server: Server | undefined;
    let kills = 0;
    let checked = 0;
    let exact = 0;
    let multipart = false;
    let leftovers = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        server = await startServer(cli, data);
        const s3 = client(server.endpoint);
        if (round === 0) {
          await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
          for (const key of KEYS) h.settle(key, ABSENT);
          // Multipart joins the workload once the server implements it.
          multipart = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'probe' })).then(
            () => true,
            (e) => {
              if ((e as { name?: string }).name !== 'NotImplemented') throw e;
              return false;
            },
          );
        } else {
          const v = await verify(s3, h);
          checked += v.keys;
          exact += v.exact;
        }
        const stop = { now: false };
        const ackedBefore = h.acked;
        const workers = Array.from({ length: WORKERS }, () => workload(s3, h, stop, multipart));
        // The kill clock starts once writes are being acknowledged, so a slow (shared, loaded)
        // machine still gets acknowledged writes into every round.
        for (const t0 = Date.now(); h.acked < ackedBefore + 3 && Date.now() - t0 < 15_000;) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 200 + rand(1300)));
        await kill9(server);
        stop.now = true;
        kills++;
        await Promise.all(workers);
        s3.destroy();
        server = undefined;
        leftovers += assertNoDamage(await runFsck(cli, data));
      }

      // What the crashes left (orphan chunk files, temp files) is ordinary garbage: opening the
      // store clears temp files and GC (grace 0) takes the orphans; then fsck must be spotless.
      const meta = metaFor(data);
      // PostgreSQL: a killed server's chunk pins hold for minutes after its heartbeat lapses
      // (engine meta/pgBackend.ts PIN_OWNER_SILENCE_MS), so GC keeps its orphans; fsck --repair
      // (with no gateway running) takes them below.
      const engine = await Engine.open({ dataDir: data, fsync: true, ...(meta ? { meta } : {}) });
      const gc = await engine.gc({ graceMs: 0 });
      await engine.close();
      if (onPostgres) {
        // A killed process's temp files stay in its own chunks/tmp/<process>/ (another gateway
        // removes that a day later) and its orphans stay pinned: fsck --repair takes both;
        // nothing else may be found.
        const temps = await runFsck(cli, data, true);
        expect(temps.report.findings.filter((f) => f.kind !== 'stale-temp-file' && f.kind !== 'orphan-chunk-file')).toEqual([]);
      }
      const after = await runFsck(cli, data);
      expect(after.report.findings).toEqual([]);
      expect(after.code).toBe(0);
      // Same store through --repair: nothing left to do.
      const repaired = await runFsck(cli, data, true);
      expect(repaired.report.findings).toEqual([]);
      expect(repaired.code).toBe(0);

      server = await startServer(cli, data);
      const s3 = client(server.endpoint);
      const v = await verify(s3, h);
      checked += v.keys;
      exact += v.exact;
      s3.destroy();
      // A server holding the store makes fsck refuse (exit 2) with a clear message (LevelDB's
      // meta/LOCK; PostgreSQL has no such lock: several processes share the store by design).
      if (!onPostgres) {
        const locked = spawn(process.execPath, [cli, 'fsck', '--data', data], { stdio: ['ignore', 'ignore', 'pipe'] });
        let lockedErr = '';
        locked.stderr.on('data', (d) => (lockedErr += d));
        expect(await new Promise((r) => locked.on('exit', r))).toBe(2);
        expect(lockedErr).toMatch(/in use/);
      }

      console.log(
        `crash test: ${kills} kill -9 survived, ${h.acked} acknowledged writes (${h.uncertain} in flight at kills), ` +
          `${checked} key reads checked (${exact} with exactly one allowed value), fsck clean after every kill ` +
          `(${leftovers} orphan/temp findings from interrupted uploads; GC then removed ${gc.chunksRemoved} chunk files), multipart ${multipart ? 'on' : 'off (not implemented)'}, ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(kills).toBe(ROUNDS);
      expect(h.acked).toBeGreaterThanOrEqual(3 * ROUNDS);
    } finally {
      if (server) await kill9(server).catch(() => undefined);
      await fs.promises.rm(data, { recursive: true, force: true });
      await fs.promises.rm(cli, { force: true });
    }
  }, 120_000);
});
