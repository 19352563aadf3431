/**
 * Hashing off the event loop. MD5 (the ETag) and SHA-256 (chunk names) cost ~3 CPU-ms per MiB
 * — more than everything else an upload does — and would otherwise run on the one thread that
 * also parses HTTP and writes files. A small pool of worker threads does them instead:
 *
 * - an upload is a `HashSession` bound to one worker, so its MD5 (inherently sequential) sees
 *   the chunks in order (a worker handles its messages in order); different uploads spread over
 *   the workers, and within one upload the event loop fills chunk k+1 while chunk k is hashed.
 *
 * Chunk files of an upload are written here too (`writeChunkFile`, async calls so an fsync
 * never stalls the hashing queued behind it): a chunk then costs the event loop one message
 * round trip instead of ~10 thread-pool hops (stat, open, write, fsync, close, rename,
 * open/fsync/close dir).
 *
 * GET verification stays on the event loop (chunkStore.read): reading + verifying in a worker
 * (buffer transferred back) measured the same CPU per GiB on 2 cores but +40-60 MiB peak RSS
 * (the threads stay alive during GET load), so it was not kept.
 *
 * Data is handed over without copying: the buffers live in SharedArrayBuffers (`allocShared`),
 * and the caller must not modify one until its hash promise settles. Buffers that are not shared
 * are copied (correct, just slower). Workers are unref'd while idle so they never keep a process
 * alive, and ended after 2 s idle; a worker that dies fails its pending requests and is replaced
 * on next use.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

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
async function writeChunk(m, data) {
  const st = await fsp.stat(m.file).catch(() => undefined);
  if (st && st.size === data.length) return false; // dedup (a damaged file of the wrong size is rewritten)
  try {
    const fh = await fsp.open(m.tmp, 'wx');
    try {
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
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
parentPort.on('message', (m) => {
  try {
    const data = m.buf ? Buffer.from(m.buf, m.off, m.len) : undefined;
    if (m.op === 'write') {
      writeChunk(m, data).then((value) => parentPort.postMessage({ id: m.id, value }), (e) => fail(m, e));
    } else if (m.op === 'chunk') {
      let md5 = md5s.get(m.session);
      if (!md5) md5s.set(m.session, (md5 = createHash('md5')));
      md5.update(data);
      parentPort.postMessage({ id: m.id, value: m.sha ? createHash('sha256').update(data).digest('hex') : '' });
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

class HashWorker {
  private readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead = false;
  /** Open HashSessions bound here (their MD5 state lives in this thread). */
  sessions = 0;
  private retire: NodeJS.Timeout | undefined;

  constructor() {
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

  call<T>(msg: Record<string, unknown>, data?: Buffer): Promise<T> {
    if (this.dead) return Promise.reject(new Error('hash worker is gone'));
    this.busy();
    const id = nextId++;
    const full = { ...msg, id, ...(data ? shareable(data) : {}) };
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(full);
    });
  }

  /** Fire-and-forget (no reply expected). */
  send(msg: Record<string, unknown>): void {
    if (!this.dead) this.worker.postMessage(msg);
  }
}

const IDLE_MS = 2000;
let nextId = 1;
let nextSession = 1;
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

/** Shared memory is posted by reference; anything else is copied into the message. */
function shareable(data: Buffer): { buf: ArrayBufferLike; off: number; len: number } {
  if (data.buffer instanceof SharedArrayBuffer) return { buf: data.buffer, off: data.byteOffset, len: data.length };
  const copy = new Uint8Array(data); // structured clone of a regular buffer copies it anyway
  return { buf: copy.buffer, off: 0, len: copy.length };
}

/**
 * Writes a chunk file from a worker (see writeChunk in the worker source): the caller holds the
 * hash's lock and pin, exactly as for chunkStore.put. Resolves true when written, false when a
 * file of that size already existed. `data` should be shared memory (else it is copied).
 */
export function writeChunkFile(file: string, tmp: string, data: Buffer, fsync: boolean): Promise<boolean> {
  return pick().call<boolean>({ op: 'write', file, tmp, fsync }, data);
}

/** A Buffer over fresh shared memory (zero-filled), hashable in a worker without a copy. */
export function allocShared(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
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

  /** Feeds `data` into the running MD5; resolves to its SHA-256 (hex) when `sha` is set. */
  chunk(data: Buffer, sha: boolean): Promise<string> {
    return this.worker.call<string>({ op: 'chunk', session: this.id, sha }, data);
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
