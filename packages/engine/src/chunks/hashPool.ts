/**
 * Hashing off the event loop. MD5 (the ETag) and SHA-256 (chunk names) cost ~3 CPU-ms per MiB
 * — more than everything else an upload does — and would otherwise run on the one thread that
 * also parses HTTP and writes files. A small pool of worker threads does them instead:
 *
 * - an upload is a `HashSession` bound to one worker, so its MD5 (inherently sequential) sees
 *   the chunks in order (a worker handles its messages in order); different uploads spread over
 *   the workers, and within one upload the event loop fills chunk k+1 while chunk k is hashed.
 *
 * Chunk files of an upload are written here too (`HeldChunk.write`, async calls so an fsync
 * never stalls the hashing queued behind it): a chunk then costs the event loop one message
 * round trip instead of ~10 thread-pool hops (stat, open, write, fsync, close, rename,
 * open/fsync/close dir).
 *
 * GET verification stays on the event loop (chunkStore.read): reading + verifying in a worker
 * (buffer transferred back) measured the same CPU per GiB on 2 cores but +40-60 MiB peak RSS
 * (the threads stay alive during GET load), so it was not kept.
 *
 * Data is handed over without copying where it can be: a chunk travels as the list of body
 * pieces it was cut from, and pieces the caller owns outright (a socket's) are transferred, so
 * the hash thread hashes and writes the very bytes the HTTP parser produced. This replaced
 * copying every piece into shared chunk buffers: that copy was ~0.5 CPU-s per GiB on the event
 * loop (--cpu-prof, 64 MiB PUTs). Other pieces are copied once, into the message. Workers are
 * unref'd while idle so they never keep a process alive, and ended after 2 s idle; a worker that
 * dies fails its pending requests (and its held chunks with it) and is replaced on next use.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const md5s = new Map();
const fsp = fs.promises;
const knownDirs = new Set();
async function fsyncPath(p) {
  const fh = await fsp.open(p, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}
// Chunk file write: tmp -> write -> fsync -> close -> rename -> fsync dir, as chunkStore.put,
// driven from here: the event loop pays one message round trip instead of ~10 thread-pool hops.
// Async calls, so a slow fsync never holds up the hashing queued behind it on this thread.
async function writeChunk(m, bufs) {
  const size = bufs.reduce((n, b) => n + b.length, 0);
  const st = await fsp.stat(m.file).catch(() => undefined);
  if (st && st.size === size) return false; // dedup (a damaged file of the wrong size is rewritten)
  try {
    const fh = await fsp.open(m.tmp, 'wx');
    try {
      let rest = bufs.filter((b) => b.length > 0);
      while (rest.length) {
        let n = (await fh.writev(rest)).bytesWritten; // short writes are legal: go on after them
        while (rest.length && n >= rest[0].length) n -= rest.shift().length;
        if (n > 0) rest[0] = rest[0].subarray(n);
      }
      if (m.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    const dir = path.dirname(m.file);
    if (!knownDirs.has(dir)) {
      // As chunkStore.ensureDir: chunk directories are never removed while the server runs.
      const created = await fsp.mkdir(dir, { recursive: true });
      if (created && m.fsync) { await fsyncPath(path.dirname(dir)); await fsyncPath(path.dirname(path.dirname(dir))); }
      knownDirs.add(dir);
    }
    await fsp.rename(m.tmp, m.file);
    if (m.fsync) await fsyncPath(dir);
    return true;
  } catch (e) {
    await fsp.rm(m.tmp, { force: true }).catch(() => {});
    throw e;
  }
}
function fail(m, e) {
  parentPort.postMessage({ id: m.id, error: String((e && e.message) || e), code: e && e.code, errno: e && e.errno });
}
// Chunk bytes moved here (transferred) by HashSession.chunk({ hold }), by message id, until
// written (writeHeld), sent back (takeHeld) or dropped.
const held = new Map();
// Chunk bytes arrive here from another thread and become garbage once written; left to V8 they
// raised the peak RSS of 64 MiB PUTs from ~150 to ~270 MiB (2 threads). A young-generation
// collection after every 16 MiB freed keeps it at ~153 MiB (32 MiB: 190-212, measured); a full
// collection instead cost ~1 CPU-s per GiB more.
const FREE_GC_BYTES = 16 * 1024 * 1024;
let freed = 0;
function release(bufs) {
  for (const b of bufs) freed += b.length;
  if (freed >= FREE_GC_BYTES && typeof gc === 'function') {
    freed = 0;
    gc({ type: 'minor' });
  }
}
parentPort.on('message', (m) => {
  try {
    const parts = m.parts ? m.parts.map((p) => Buffer.from(p[0], p[1], p[2])) : undefined;
    if (m.op === 'writeHeld') {
      const bufs = held.get(m.held);
      held.delete(m.held);
      if (!bufs) throw new Error('chunk data is gone');
      writeChunk(m, bufs).then((value) => parentPort.postMessage({ id: m.id, value }), (e) => fail(m, e)).finally(() => release(bufs));
    } else if (m.op === 'takeHeld') {
      const bufs = held.get(m.held);
      held.delete(m.held);
      if (!bufs) throw new Error('chunk data is gone');
      const all = Buffer.concat(bufs);
      const ab = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
      parentPort.postMessage({ id: m.id, value: ab }, [ab]);
      release(bufs);
    } else if (m.op === 'dropHeld') {
      const bufs = held.get(m.held);
      held.delete(m.held);
      if (bufs) release(bufs);
    } else if (m.op === 'chunk') {
      let md5 = md5s.get(m.session);
      if (!md5) md5s.set(m.session, (md5 = createHash('md5')));
      for (const b of parts) md5.update(b);
      let hash = '';
      if (m.sha) {
        const sha = createHash('sha256');
        for (const b of parts) sha.update(b);
        hash = sha.digest('hex');
      }
      if (m.hold) held.set(m.hold, parts);
      parentPort.postMessage({ id: m.id, value: hash });
    } else if (m.op === 'md5') {
      const md5 = md5s.get(m.session) || createHash('md5');
      md5s.delete(m.session);
      const d = md5.digest();
      parentPort.postMessage({ id: m.id, value: d.buffer.slice(d.byteOffset, d.byteOffset + d.length) });
    } else if (m.op === 'drop') {
      md5s.delete(m.session);
    }
  } catch (e) {
    fail(m, e);
  }
});
`;

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export class HashWorker {
  private readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead = false;
  /** Open HashSessions bound here (their MD5 state lives in this thread). */
  sessions = 0;
  private retire: NodeJS.Timeout | undefined;

  constructor() {
    exposeGcToWorkers();
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; value?: unknown; error?: string; code?: string; errno?: number }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) {
        this.worker.unref();
        this.idle();
      }
      if (m.error !== undefined) {
        // file errors keep their code / errno (chunkStore's writeFailure maps ENOSPC etc.)
        const err = new Error(`hash worker: ${m.error}`) as NodeJS.ErrnoException;
        if (m.code !== undefined) err.code = m.code;
        if (m.errno !== undefined) err.errno = m.errno;
        p.reject(err);
      } else p.resolve(m.value);
    });
    const fail = (e: unknown): void => {
      this.dead = true;
      const err = e instanceof Error ? e : new Error(`hash worker exited (${String(e)})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', fail);
  }

  /**
   * An idle thread (no request, no open session) is ended after IDLE_MS: each costs ~9 MiB of
   * RSS, and a server that is only listing or serving small objects should not carry them.
   */
  idle(): void {
    if (this.pending.size > 0 || this.sessions > 0 || this.dead) return;
    clearTimeout(this.retire);
    this.retire = setTimeout(() => {
      if (this.pending.size > 0 || this.sessions > 0 || this.dead) return;
      this.dead = true; // pick() drops it; a new one starts on demand
      this.worker.terminate().catch(() => undefined); // a timer callback: nothing may escape it
    }, IDLE_MS);
    this.retire.unref();
  }

  busy(): void {
    clearTimeout(this.retire);
    this.retire = undefined;
  }

  /** `parts` travel as [ArrayBuffer, offset, length]: moved when `move`, else copied (see carry). */
  call<T>(msg: Record<string, unknown>, parts?: readonly Buffer[], move = false): Promise<T> {
    if (this.dead) return Promise.reject(new Error('hash worker is gone'));
    this.busy();
    const id = nextId++;
    const transfer: ArrayBuffer[] = [];
    const full = parts ? { ...msg, id, parts: parts.map((b) => carry(b, move, transfer)) } : { ...msg, id };
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(full, transfer);
    });
  }

  /** Fire-and-forget (no reply expected). */
  send(msg: Record<string, unknown>): void {
    if (!this.dead) this.worker.postMessage(msg);
  }
}

/**
 * `gc()` in the hash threads (see FREE_GC_BYTES in the worker source). The flag is process-wide
 * but only reaches isolates created after it is set: the main thread never gets a `gc` global.
 */
let gcExposed = false;
function exposeGcToWorkers(): void {
  if (gcExposed) return;
  gcExposed = true;
  setFlagsFromString('--expose-gc');
}

const IDLE_MS = 2000;
let nextId = 1;
let nextSession = 1;
let nextHold = 1;
let rr = 0;
const workers: HashWorker[] = [];
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism()));

function pick(): HashWorker {
  for (let i = workers.length - 1; i >= 0; i--) if (workers[i].dead) workers.splice(i, 1);
  if (workers.length < POOL_SIZE) {
    const w = new HashWorker();
    workers.push(w);
    return w;
  }
  return workers[rr++ % workers.length];
}

/**
 * How a piece of a chunk travels to the hash thread. `move`: its whole ArrayBuffer is transferred
 * (detached here, no copy) — only for memory nobody else holds (a socket's body pieces: see
 * chunker.ts). Otherwise just the viewed bytes are copied (posting the view itself would clone
 * its whole ArrayBuffer).
 */
function carry(b: Buffer, move: boolean, transfer: ArrayBuffer[]): [ArrayBufferLike, number, number] {
  if (move && b.buffer instanceof ArrayBuffer) {
    if (!transfer.includes(b.buffer)) transfer.push(b.buffer);
    return [b.buffer, b.byteOffset, b.length];
  }
  const copy = new Uint8Array(b);
  transfer.push(copy.buffer);
  return [copy.buffer, 0, copy.length];
}

/**
 * A chunk's bytes, held by the hash thread that hashed them (HashSession.hold): written to its
 * file from there (chunkStore.put), taken back for a store that sends them elsewhere
 * (s3ChunkStore.put), or dropped. Exactly one of the three takes effect; later calls are no-ops.
 */
export class HeldChunk {
  private done = false;

  constructor(
    private readonly worker: HashWorker,
    private readonly id: number,
    readonly size: number,
  ) {}

  /** Writes the chunk file (see writeChunk in the worker source): true when written, false when a file of that size was there. */
  write(file: string, tmp: string, fsync: boolean): Promise<boolean> {
    if (this.done) return Promise.reject(new Error('chunk data already used'));
    this.done = true;
    return this.worker.call<boolean>({ op: 'writeHeld', held: this.id, file, tmp, fsync });
  }

  /** The bytes, back on this thread (one copy, made in the hash thread). */
  async take(): Promise<Buffer> {
    if (this.done) throw new Error('chunk data already used');
    this.done = true;
    return Buffer.from(await this.worker.call<ArrayBuffer>({ op: 'takeHeld', held: this.id }));
  }

  drop(): void {
    if (this.done) return;
    this.done = true;
    this.worker.send({ op: 'dropHeld', held: this.id });
  }
}

/** The MD5 of one upload plus the SHA-256 of each of its chunks, computed in one worker. */
export class HashSession {
  private readonly worker = pick();
  private readonly id = nextSession++;
  private closed = false;

  constructor() {
    this.worker.busy();
    this.worker.sessions++;
  }

  private close(): void {
    this.closed = true;
    this.worker.sessions--;
    this.worker.idle();
  }

  /** Feeds `data` into the running MD5 (copied, not kept). */
  async feed(data: Buffer): Promise<void> {
    await this.worker.call<string>({ op: 'chunk', session: this.id, sha: false }, [data]);
  }

  /**
   * Feeds one chunk (its pieces in order) into the running MD5 and names it by its SHA-256; the
   * bytes stay in the hash thread (HeldChunk) to be written from there. `move`: the pieces'
   * ArrayBuffers are transferred instead of copied (the caller must own them outright).
   */
  async hold(parts: readonly Buffer[], size: number, move: boolean): Promise<{ hash: string; held: HeldChunk }> {
    const id = nextHold++;
    const hash = await this.worker.call<string>({ op: 'chunk', session: this.id, sha: true, hold: id }, parts, move);
    return { hash, held: new HeldChunk(this.worker, id, size) };
  }

  /** The MD5 of everything fed so far; ends the session. */
  async md5(): Promise<Buffer> {
    const p = this.worker.call<ArrayBuffer>({ op: 'md5', session: this.id }); // pending: keeps the thread
    this.close();
    return Buffer.from(await p);
  }

  /** Frees the worker-side state of an abandoned session. */
  drop(): void {
    if (this.closed) return;
    this.worker.send({ op: 'drop', session: this.id });
    this.close();
  }
}
