/**
 * The workloads. Each is bounded in operation count AND time; setup (creating the objects a
 * workload reads) is untimed and excluded from the CPU figures (not from peak RSS).
 */
import { performance } from 'node:perf_hooks';
import { BodyVerifier, type Expected, fillBody, GiB, MiB } from './data';
import { errorCode, type Response, S3HttpClient, type StampedBody, xmlTag, xmlTags } from './client';
import { BUCKET, bigKey, LIST_BUCKET, LIST_PAGE, listKey, multipartKey, smallKey } from './keys';
import { type LatencySummary, type ProcSampler, Samples, summarize } from './stats';
import type { RunningTarget } from './targets';
import { RoundRobinClient } from './roundRobinClient';

export const WORKLOADS = ['put4k', 'get4k', 'head4k', 'mix4k', 'delete4k', 'put64m', 'get64m', 'multipart1g', 'list10k'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export const SMALL = 4096;
export const BIG = 64 * MiB;
const BIG_SEED = 0x40000000;
const MP_SEED = 0x50000000;

export interface BenchOptions {
  /** per-workload time bound, seconds */
  duration: number;
  /** time bound of the multipart upload, seconds */
  multipartDuration: number;
  smallConcurrency: number;
  largeConcurrency: number;
  listConcurrency: number;
  setupConcurrency: number;
  /** count bound of the 4 KiB workloads */
  smallOps: number;
  /** count bound of the 64 MiB workloads (objects) */
  bigCount: number;
  multipartBytes: number;
  partSize: number;
  partsInFlight: number;
  listKeys: number;
  /** count bound of the listing workload, in pages */
  listPages: number;
}

export interface WorkloadResult {
  workload: WorkloadName;
  unit: string;
  /** the score in `unit`; 0 when a body was wrong; null when not applicable */
  score: number | null;
  na?: string;
  /** body / content verification failure (score is then 0) */
  error?: string;
  ops: number;
  errors: number;
  errorRate: number;
  /** most frequent error codes */
  errorCodes?: Record<string, number>;
  elapsedSec: number;
  /** body bytes moved (sent + received) */
  bytes: number;
  latencyMs?: LatencySummary;
  extra?: Record<string, number>;
  notes?: string[];
  serverCpuSec?: number;
  serverCpuSecPerGiB?: number;
  serverCpuMsPer1kOps?: number;
  serverPeakRssMiB?: number;
  clientCpuSec?: number;
}

/** Per-target state shared by the workloads (which objects exist). */
interface State {
  /** seeds (= key indexes) of existing 4 KiB objects */
  small: number[];
  nextSmall: number;
  big: number[];
  nextBig: number;
  listReady: boolean;
  nextUpload: number;
}

class Recorder {
  ok = 0;
  errors = 0;
  bytes = 0;
  badBodies = 0;
  bodyError: string | undefined;
  lat = new Samples();
  codes = new Map<string, number>();
  notImplemented = 0;
  firstError: string | undefined;

  fail(code: string, detail?: string): void {
    this.firstError ??= detail ?? code;
    this.errors++;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
    if (code.startsWith('501')) this.notImplemented++;
  }
  badBody(msg: string): void {
    this.badBodies++;
    this.bodyError ??= msg;
  }
  topCodes(): Record<string, number> | undefined {
    if (this.codes.size === 0) return undefined;
    return Object.fromEntries([...this.codes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5));
  }
}

/** Runs op(i, worker) on `concurrency` workers until maxOps ops were started or the time is up. */
async function loop(concurrency: number, maxOps: number, durationSec: number, op: (i: number, worker: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const end = start + durationSec * 1000;
  let next = 0;
  const workers: Promise<void>[] = [];
  for (let w = 0; w < concurrency; w++) {
    workers.push(
      (async () => {
        while (next < maxOps && performance.now() < end) await op(next++, w);
      })(),
    );
  }
  await Promise.all(workers);
  return (performance.now() - start) / 1000;
}

export class TargetBench {
  private readonly state: State = {
    small: [],
    nextSmall: 0,
    big: [],
    nextBig: 0,
    listReady: false,
    nextUpload: 0,
  };

  constructor(
    readonly target: RunningTarget,
    readonly pool: Buffer,
    readonly opts: BenchOptions,
    readonly sampler: ProcSampler,
    readonly log: (msg: string) => void = () => {},
  ) {}

  private client(maxSockets: number): S3HttpClient {
    const several = this.target.endpoints;
    if (several && several.length > 1) return new RoundRobinClient(several, maxSockets);
    return new S3HttpClient(this.target.endpoint, maxSockets);
  }

  /** A client whose `maxSockets` connections are already open (untimed warm-up: 404 GETs). */
  private async warmClient(maxSockets: number): Promise<S3HttpClient> {
    const c = this.client(maxSockets);
    await Promise.all(Array.from({ length: maxSockets }, () => c.request({ method: 'GET', bucket: BUCKET, key: 'warm-up/absent' }).catch(() => undefined)));
    return c;
  }

  private expected(seed: number, offset: number, length: number): Expected {
    return this.target.bare ? { kind: 'pool', offset: 0, length } : { kind: 'stamped', seed, offset, length };
  }

  /** One timed request; counts errors, verifies the body when `expect` is given. */
  private async exec(
    rec: Recorder,
    client: S3HttpClient,
    req: Parameters<S3HttpClient['request']>[0],
    expect?: Expected,
    sentBytes = 0,
  ): Promise<Response | undefined> {
    const verifier = expect ? new BodyVerifier(this.pool, expect) : undefined;
    if (verifier) req.onData = (c) => verifier.update(c);
    const t0 = performance.now();
    let res: Response;
    try {
      res = await client.request(req);
    } catch (e) {
      rec.lat.push(performance.now() - t0);
      rec.fail((e as Error).message);
      return undefined;
    }
    rec.lat.push(performance.now() - t0);
    if (res.status < 200 || res.status >= 300) {
      const msg = res.body ? xmlTag(res.body.toString('utf8'), 'Message') : undefined;
      rec.fail(errorCode(res), `${req.method} ${req.key ?? req.bucket}: ${errorCode(res)}${msg ? ': ' + msg.slice(0, 300) : ''}`);
      return res;
    }
    rec.ok++;
    rec.bytes += sentBytes + res.bytes;
    if (verifier) {
      const err = verifier.finish();
      if (err) rec.badBody(`${req.method} ${req.key}: ${err}`);
    }
    return res;
  }

  /** Creates the buckets (an "already exists/owned" answer is fine). */
  async createBuckets(): Promise<void> {
    const c = this.client(1);
    try {
      for (const bucket of [BUCKET, LIST_BUCKET]) {
        const res = await c.request({ method: 'PUT', bucket });
        if (res.status >= 300 && !/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(res.body?.toString() ?? '')) {
          throw new Error(`CreateBucket ${bucket} failed: ${errorCode(res)}`);
        }
      }
    } finally {
      c.close();
    }
  }

  private smallBody(worker: number, scratch: Buffer[], seed: number): Buffer {
    const buf = (scratch[worker] ??= Buffer.allocUnsafe(SMALL));
    fillBody(this.pool, seed, 0, buf, SMALL);
    return buf;
  }

  /** Untimed: make sure at least n 4 KiB objects exist. */
  private async ensureSmall(n: number): Promise<void> {
    const missing = n - this.state.small.length;
    if (missing <= 0) return;
    this.log(`setup: creating ${missing} 4 KiB objects`);
    const rec = new Recorder();
    const c = this.client(this.opts.setupConcurrency);
    const scratch: Buffer[] = [];
    await loop(this.opts.setupConcurrency, missing, 1e9, async (_i, w) => {
      const seed = this.state.nextSmall++;
      const r = await this.exec(rec, c, { method: 'PUT', bucket: BUCKET, key: smallKey(seed), body: this.smallBody(w, scratch, seed) });
      if (r && r.status < 300) this.state.small.push(seed);
    });
    c.close();
    if (rec.errors) throw new Error(`setup failed: ${rec.errors} PUT errors (${JSON.stringify(rec.topCodes())})`);
  }

  private async ensureBig(n: number): Promise<void> {
    const missing = n - this.state.big.length;
    if (missing <= 0) return;
    this.log(`setup: creating ${missing} 64 MiB objects`);
    const rec = new Recorder();
    const c = this.client(this.opts.largeConcurrency);
    await loop(this.opts.largeConcurrency, missing, 1e9, async () => {
      const j = this.state.nextBig++;
      const body: StampedBody = { kind: 'stamped', pool: this.pool, seed: BIG_SEED + j, offset: 0, length: BIG };
      const r = await this.exec(rec, c, { method: 'PUT', bucket: BUCKET, key: bigKey(j), body }, undefined, BIG);
      if (r && r.status < 300) this.state.big.push(j);
    });
    c.close();
    if (rec.errors) throw new Error(`setup failed: ${rec.errors} PUT errors (${JSON.stringify(rec.topCodes())})`);
  }

  private async ensureList(): Promise<void> {
    if (this.state.listReady) return;
    const n = this.opts.listKeys;
    this.log(`setup: creating ${n} keys for listing`);
    const rec = new Recorder();
    const c = this.client(this.opts.setupConcurrency);
    const empty = Buffer.alloc(0);
    await loop(this.opts.setupConcurrency, n, 1e9, async (i) => {
      await this.exec(rec, c, { method: 'PUT', bucket: LIST_BUCKET, key: listKey(i), body: empty });
    });
    c.close();
    if (rec.errors) throw new Error(`setup failed: ${rec.errors} PUT errors (${JSON.stringify(rec.topCodes())})`);
    this.state.listReady = true;
  }

  /** Runs one workload with resource accounting. */
  async run(name: WorkloadName): Promise<WorkloadResult> {
    const o = this.opts;
    // setup (untimed)
    try {
      if (name === 'get4k' || name === 'head4k') await this.ensureSmall(Math.min(o.smallOps, 1000));
      if (name === 'mix4k') await this.ensureSmall(Math.min(o.smallOps, 1000));
      if (name === 'delete4k') await this.ensureSmall(Math.min(o.smallOps, 1000));
      if (name === 'get64m') await this.ensureBig(Math.max(1, Math.min(o.bigCount, o.largeConcurrency)));
      if (name === 'list10k') await this.ensureList();
    } catch (e) {
      return this.finish(name, new Recorder(), 0, undefined, undefined, undefined, `setup: ${(e as Error).message}`);
    }

    const rec = new Recorder();
    const cpu0 = process.cpuUsage();
    this.sampler.mark();
    let elapsed = 0;
    let extra: Record<string, number> | undefined;
    const notes: string[] = [];
    let na: string | undefined;
    switch (name) {
      case 'put4k':
        elapsed = await this.put4k(rec);
        break;
      case 'get4k':
        elapsed = await this.get4k(rec);
        break;
      case 'head4k':
        elapsed = await this.head4k(rec);
        break;
      case 'mix4k':
        ({ elapsed, extra } = await this.mix4k(rec));
        break;
      case 'delete4k':
        elapsed = await this.delete4k(rec);
        break;
      case 'put64m':
        elapsed = await this.put64m(rec);
        break;
      case 'get64m':
        elapsed = await this.get64m(rec);
        break;
      case 'multipart1g':
        ({ elapsed, na } = await this.multipart(rec, notes));
        break;
      case 'list10k':
        ({ elapsed, extra } = await this.list(rec));
        break;
    }
    const usage = this.sampler.phase();
    const cpu = process.cpuUsage(cpu0);
    const clientCpuSec = (cpu.user + cpu.system) / 1e6;
    return this.finish(name, rec, elapsed, extra, { ...usage, clientCpuSec }, notes, na);
  }

  private finish(
    name: WorkloadName,
    rec: Recorder,
    elapsed: number,
    extra: Record<string, number> | undefined,
    usage: { peakRssBytes: number; cpuSeconds: number; clientCpuSec: number } | undefined,
    notes: string[] | undefined,
    na: string | undefined,
  ): WorkloadResult {
    const unit = name.endsWith('4k') ? 'ops/s' : name === 'list10k' ? 'keys/s' : 'MiB/s';
    const ops = rec.ok + rec.errors;
    let score: number | null;
    if (na !== undefined) score = null;
    else if (rec.notImplemented > 0 && rec.ok === 0) {
      score = null;
      na = 'target answered 501 NotImplemented';
    } else if (rec.bodyError) score = 0;
    else if (elapsed <= 0) score = 0;
    else if (unit === 'ops/s') score = rec.ok / elapsed;
    else if (unit === 'keys/s') score = (extra?.keys ?? 0) / elapsed;
    else score = rec.bytes / MiB / elapsed;
    const r: WorkloadResult = {
      workload: name,
      unit,
      score,
      ops,
      errors: rec.errors,
      errorRate: ops ? rec.errors / ops : 0,
      elapsedSec: elapsed,
      bytes: rec.bytes,
    };
    if (na) r.na = na;
    if (rec.bodyError) r.error = `${rec.badBodies} wrong bodies; first: ${rec.bodyError}`;
    const codes = rec.topCodes();
    if (codes) r.errorCodes = codes;
    if (rec.lat.length) r.latencyMs = summarize(rec.lat.values());
    if (extra) r.extra = extra;
    if (rec.firstError) (notes ??= []).push(`first error: ${rec.firstError}`);
    if (notes && notes.length) r.notes = notes;
    if (usage) {
      r.serverCpuSec = usage.cpuSeconds;
      r.serverPeakRssMiB = usage.peakRssBytes / MiB;
      if (rec.bytes > 0) r.serverCpuSecPerGiB = usage.cpuSeconds / (rec.bytes / GiB);
      if (rec.ok > 0) r.serverCpuMsPer1kOps = (usage.cpuSeconds * 1000 * 1000) / rec.ok;
      r.clientCpuSec = usage.clientCpuSec;
    }
    return r;
  }

  // ------------------------------------------------------------------------------------------
  // 4 KiB

  private async put4k(rec: Recorder): Promise<number> {
    const o = this.opts;
    const c = await this.warmClient(o.smallConcurrency);
    const scratch: Buffer[] = [];
    const elapsed = await loop(o.smallConcurrency, o.smallOps, o.duration, async (_i, w) => {
      const seed = this.state.nextSmall++;
      const r = await this.exec(rec, c, { method: 'PUT', bucket: BUCKET, key: smallKey(seed), body: this.smallBody(w, scratch, seed) }, undefined, SMALL);
      if (r && r.status < 300) this.state.small.push(seed);
    });
    c.close();
    return elapsed;
  }

  private pick(i: number): number {
    const s = this.state.small;
    return s[(Math.imul(i, 0x9e3779b1) >>> 0) % s.length];
  }

  private async get4k(rec: Recorder): Promise<number> {
    const o = this.opts;
    const c = await this.warmClient(o.smallConcurrency);
    const elapsed = await loop(o.smallConcurrency, o.smallOps, o.duration, async (i) => {
      const seed = this.pick(i);
      await this.exec(rec, c, { method: 'GET', bucket: BUCKET, key: smallKey(seed) }, this.expected(seed, 0, SMALL));
    });
    c.close();
    return elapsed;
  }

  private async head4k(rec: Recorder): Promise<number> {
    const o = this.opts;
    const c = await this.warmClient(o.smallConcurrency);
    const elapsed = await loop(o.smallConcurrency, o.smallOps, o.duration, async (i) => {
      const seed = this.pick(i);
      const r = await this.exec(rec, c, { method: 'HEAD', bucket: BUCKET, key: smallKey(seed) });
      if (r && r.status < 300 && r.headers['content-length'] !== String(SMALL)) {
        rec.badBody(`HEAD ${smallKey(seed)}: content-length ${r.headers['content-length']}, expected ${SMALL}`);
      }
    });
    c.close();
    return elapsed;
  }

  /** 70% GET of existing objects, 30% PUT of new ones (so a GET never races a PUT of its key). */
  private async mix4k(rec: Recorder): Promise<{ elapsed: number; extra: Record<string, number> }> {
    const o = this.opts;
    const c = await this.warmClient(o.smallConcurrency);
    const scratch: Buffer[] = [];
    let gets = 0;
    let puts = 0;
    const elapsed = await loop(o.smallConcurrency, o.smallOps, o.duration, async (i, w) => {
      const isGet = (Math.imul(i + 1, 0x85ebca6b) >>> 0) % 100 < 70;
      if (isGet) {
        gets++;
        const seed = this.pick(i);
        await this.exec(rec, c, { method: 'GET', bucket: BUCKET, key: smallKey(seed) }, this.expected(seed, 0, SMALL));
      } else {
        puts++;
        const seed = this.state.nextSmall++;
        const r = await this.exec(rec, c, { method: 'PUT', bucket: BUCKET, key: smallKey(seed), body: this.smallBody(w, scratch, seed) }, undefined, SMALL);
        if (r && r.status < 300) this.state.small.push(seed);
      }
    });
    c.close();
    return { elapsed, extra: { gets, puts } };
  }

  private async delete4k(rec: Recorder): Promise<number> {
    const o = this.opts;
    const c = await this.warmClient(o.smallConcurrency);
    const keys = this.state.small;
    const max = Math.min(o.smallOps, keys.length);
    const deleted: number[] = [];
    const elapsed = await loop(o.smallConcurrency, max, o.duration, async () => {
      const seed = keys.pop() as number;
      const r = await this.exec(rec, c, { method: 'DELETE', bucket: BUCKET, key: smallKey(seed) });
      if (r && r.status < 300) deleted.push(seed);
      else keys.unshift(seed);
    });
    // a deleted object must be gone
    if (deleted.length) {
      const r = await c.request({ method: 'GET', bucket: BUCKET, key: smallKey(deleted[0]) }).catch(() => undefined);
      if (r && r.status !== 404) rec.badBody(`GET of deleted ${smallKey(deleted[0])} answered ${r.status}, expected 404`);
    }
    c.close();
    return elapsed;
  }

  // ------------------------------------------------------------------------------------------
  // 64 MiB

  private async put64m(rec: Recorder): Promise<number> {
    const o = this.opts;
    const c = await this.warmClient(o.largeConcurrency);
    const elapsed = await loop(o.largeConcurrency, o.bigCount, o.duration, async () => {
      const j = this.state.nextBig++;
      const body: StampedBody = { kind: 'stamped', pool: this.pool, seed: BIG_SEED + j, offset: 0, length: BIG };
      const r = await this.exec(rec, c, { method: 'PUT', bucket: BUCKET, key: bigKey(j), body }, undefined, BIG);
      if (r && r.status < 300) this.state.big.push(j);
    });
    c.close();
    return elapsed;
  }

  private async get64m(rec: Recorder): Promise<number> {
    const o = this.opts;
    const c = await this.warmClient(o.largeConcurrency);
    const big = this.state.big;
    const elapsed = await loop(o.largeConcurrency, o.bigCount, o.duration, async (i) => {
      const j = big[i % big.length];
      await this.exec(rec, c, { method: 'GET', bucket: BUCKET, key: bigKey(j) }, this.expected(BIG_SEED + j, 0, BIG));
    });
    c.close();
    return elapsed;
  }

  // ------------------------------------------------------------------------------------------
  // multipart

  private async multipart(rec: Recorder, notes: string[]): Promise<{ elapsed: number; na?: string }> {
    const o = this.opts;
    const c = await this.warmClient(o.partsInFlight);
    const u = this.state.nextUpload++;
    const key = multipartKey(u);
    const seed = MP_SEED + u;
    const total = o.multipartBytes;
    const nParts = Math.ceil(total / o.partSize);
    const t0 = performance.now();
    try {
      const created = await this.exec(rec, c, { method: 'POST', bucket: BUCKET, key, query: [['uploads', '']], collect: true });
      if (!created || created.status >= 300) {
        if (created?.status === 501) return { elapsed: 0, na: 'CreateMultipartUpload answered 501 NotImplemented' };
        return { elapsed: (performance.now() - t0) / 1000 };
      }
      const uploadId = xmlTag(created.body?.toString('utf8') ?? '', 'UploadId');
      if (!uploadId) {
        rec.badBody('CreateMultipartUpload: no UploadId in the response');
        return { elapsed: (performance.now() - t0) / 1000 };
      }
      const etags: string[] = new Array(nParts);
      let partErrors = 0;
      let notImpl = false;
      const partsElapsed = await loop(o.partsInFlight, nParts, o.multipartDuration, async (i) => {
        const offset = i * o.partSize;
        const length = Math.min(o.partSize, total - offset);
        const body: StampedBody = { kind: 'stamped', pool: this.pool, seed, offset, length };
        const r = await this.exec(
          rec,
          c,
          {
            method: 'PUT',
            bucket: BUCKET,
            key,
            query: [
              ['partNumber', String(i + 1)],
              ['uploadId', uploadId],
            ],
            body,
          },
          undefined,
          length,
        );
        if (r && r.status < 300 && typeof r.headers.etag === 'string') etags[i] = r.headers.etag;
        else {
          partErrors++;
          if (r?.status === 501) notImpl = true;
        }
      });
      if (notImpl && rec.ok <= 1) {
        await c.request({ method: 'DELETE', bucket: BUCKET, key, query: [['uploadId', uploadId]] }).catch(() => undefined);
        return { elapsed: 0, na: 'UploadPart answered 501 NotImplemented' };
      }
      const done = etags.filter((e) => e !== undefined).length;
      if (done < nParts || partErrors) {
        notes.push(
          partErrors
            ? `${partErrors} UploadPart errors; upload aborted`
            : `time bound (${o.multipartDuration} s) hit after ${done}/${nParts} parts; score is the parts' throughput, upload aborted`,
        );
        await c.request({ method: 'DELETE', bucket: BUCKET, key, query: [['uploadId', uploadId]] }).catch(() => undefined);
        return { elapsed: partsElapsed };
      }
      let xml = '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">';
      for (let i = 0; i < nParts; i++) xml += `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etags[i]}</ETag></Part>`;
      xml += '</CompleteMultipartUpload>';
      const body = Buffer.from(xml);
      const completed = await this.exec(rec, c, {
        method: 'POST',
        bucket: BUCKET,
        key,
        query: [['uploadId', uploadId]],
        headers: { 'content-type': 'application/xml' },
        body,
        collect: true,
        timeoutMs: 600_000,
      });
      const elapsed = (performance.now() - t0) / 1000;
      if (!completed || completed.status >= 300) return { elapsed };
      const text = completed.body?.toString('utf8') ?? '';
      if (/<Error>/.test(text)) {
        rec.badBody(`CompleteMultipartUpload answered 200 with an error: ${xmlTag(text, 'Code')}`);
        return { elapsed };
      }
      notes.push(`${nParts} parts of ${o.partSize / MiB} MiB, ${o.partsInFlight} in flight`);
      // verification (untimed): size, and three ranges (start, across a part boundary, end)
      if (this.target.bare) {
        notes.push('content not verified on the bare server (it stores nothing)');
      } else {
        await this.verifyMultipart(rec, c, key, seed, total);
      }
      return { elapsed };
    } finally {
      c.close();
    }
  }

  private async verifyMultipart(rec: Recorder, c: S3HttpClient, key: string, seed: number, total: number): Promise<void> {
    const head = await c.request({ method: 'HEAD', bucket: BUCKET, key }).catch((e: Error) => e);
    if (head instanceof Error || head.status !== 200) {
      rec.badBody(`HEAD after CompleteMultipartUpload failed: ${head instanceof Error ? head.message : errorCode(head)}`);
      return;
    }
    if (head.headers['content-length'] !== String(total)) {
      rec.badBody(`multipart object content-length ${head.headers['content-length']}, expected ${total}`);
      return;
    }
    const span = Math.min(MiB, total);
    const offsets = [0, Math.max(0, Math.min(this.opts.partSize - span / 2, total - span)), total - span].map((x) => Math.floor(x / 4096) * 4096);
    for (const off of offsets) {
      const len = Math.min(span, total - off);
      const v = new BodyVerifier(this.pool, { kind: 'stamped', seed, offset: off, length: len });
      const r = await c
        .request({ method: 'GET', bucket: BUCKET, key, headers: { range: `bytes=${off}-${off + len - 1}` }, onData: (d) => v.update(d) })
        .catch((e: Error) => e);
      if (r instanceof Error || r.status !== 206) {
        rec.badBody(`ranged GET bytes=${off}-${off + len - 1} failed: ${r instanceof Error ? r.message : errorCode(r)}`);
        return;
      }
      const err = v.finish();
      if (err) {
        rec.badBody(`ranged GET bytes=${off}-${off + len - 1}: ${err}`);
        return;
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // listing

  private async list(rec: Recorder): Promise<{ elapsed: number; extra: Record<string, number> }> {
    const o = this.opts;
    const c = await this.warmClient(o.listConcurrency);
    const n = o.listKeys;
    let keys = 0;
    let pages = 0;
    let passes = 0;
    // one listing pass per worker at a time: its position and continuation token
    const pos: { index: number; token?: string }[] = [];
    const elapsed = await loop(o.listConcurrency, o.listPages, o.duration, async (_i, w) => {
      const p = (pos[w] ??= { index: 0 });
      const query: [string, string][] = [
        ['list-type', '2'],
        ['prefix', 'list/'],
        ['max-keys', String(LIST_PAGE)],
      ];
      if (p.token) query.push(['continuation-token', p.token]);
      const r = await this.exec(rec, c, { method: 'GET', bucket: LIST_BUCKET, query, collect: true, timeoutMs: 120_000 });
      if (!r || r.status >= 300) {
        pos[w] = { index: 0 };
        return;
      }
      const xml = r.body?.toString('utf8') ?? '';
      const got = xmlTags(xml, 'Key');
      const truncated = xmlTag(xml, 'IsTruncated') === 'true';
      for (let j = 0; j < got.length; j++) {
        if (got[j] !== listKey(p.index + j)) {
          rec.badBody(`ListObjectsV2 page at index ${p.index}: key #${j} is ${got[j]}, expected ${listKey(p.index + j)}`);
          break;
        }
      }
      pages++;
      keys += got.length;
      p.index += got.length;
      if (truncated) {
        p.token = xmlTag(xml, 'NextContinuationToken');
        if (!p.token) {
          rec.badBody('ListObjectsV2: IsTruncated without NextContinuationToken');
          pos[w] = { index: 0 };
        }
      } else {
        if (p.index !== n) rec.badBody(`ListObjectsV2 pass listed ${p.index} keys, expected ${n}`);
        passes++;
        pos[w] = { index: 0 };
      }
    });
    c.close();
    return { elapsed, extra: { keys, pages, passes, pagesPerSec: elapsed > 0 ? pages / elapsed : 0 } };
  }
}
