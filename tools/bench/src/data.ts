/**
 * Object bodies: generated once, verified on the way back, never re-allocated per request.
 *
 * A 64 MiB pseudo-random pool is generated once (AES-256-CTR keystream with a fixed key, so the
 * bare server builds the very same pool). An object body is identified by a 32-bit `seed`: its
 * 4 KiB block b is pool block ((hash(seed) + b) mod poolBlocks) with the first 8 bytes replaced by
 * a stamp (seed, b). The stamp makes every block of every object unique — a content-addressed /
 * deduplicating store gets no free wins from the benchmark reusing one buffer — and lets a GET
 * body be checked exactly, streaming, with no stored copy (memcmp against the pool).
 *
 * Bodies are produced into caller-owned scratch buffers (fillBody), i.e. one memcpy from the pool.
 */
import { createCipheriv } from 'node:crypto';

export const BLOCK = 4096;
export const STAMP = 8;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const POOL_SIZE = 64 * MiB;

const POOL_KEY = Buffer.from('cairn-bench-pool-key-0123456789!', 'utf8'); // 32 bytes
const POOL_IV = Buffer.alloc(16, 0);

/** Deterministic pseudo-random bytes (the same in every process). */
export function makePool(size = POOL_SIZE): Buffer {
  if (size % BLOCK !== 0) throw new Error('pool size must be a multiple of 4 KiB');
  const out = Buffer.allocUnsafe(size);
  const cipher = createCipheriv('aes-256-ctr', POOL_KEY, POOL_IV);
  const zeros = Buffer.alloc(Math.min(size, MiB));
  for (let off = 0; off < size; off += zeros.length) {
    const n = Math.min(zeros.length, size - off);
    cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n)).copy(out, off);
  }
  return out;
}

function poolStartBlock(seed: number, poolBlocks: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) >>> 0) % poolBlocks;
}

/** The 8-byte stamp of block b of object seed, byte i. */
function stampByte(seed: number, block: number, i: number): number {
  return i < 4 ? (seed >>> (8 * i)) & 0xff : (block >>> (8 * (i - 4))) & 0xff;
}

/**
 * Writes `len` bytes of object `seed`'s body, starting at body offset `offset` (a multiple of
 * 4 KiB), into dst[0..len).
 */
export function fillBody(pool: Buffer, seed: number, offset: number, dst: Buffer, len: number): void {
  if (offset % BLOCK !== 0) throw new Error('fillBody offset must be block-aligned');
  const poolBlocks = pool.length / BLOCK;
  const first = offset / BLOCK;
  const base = poolStartBlock(seed, poolBlocks);
  // copy contiguous runs of pool blocks, then stamp each block
  let p = 0;
  while (p < len) {
    const b = first + p / BLOCK;
    const pb = (base + b) % poolBlocks;
    const n = Math.min(len - p, (poolBlocks - pb) * BLOCK);
    pool.copy(dst, p, pb * BLOCK, pb * BLOCK + n);
    p += n;
  }
  for (let q = 0; q < len; q += BLOCK) {
    const b = first + q / BLOCK;
    if (len - q >= STAMP) {
      dst.writeUInt32LE(seed >>> 0, q);
      dst.writeUInt32LE(b >>> 0, q + 4);
    } else {
      for (let i = 0; q + i < len; i++) dst[q + i] = stampByte(seed, b, i);
    }
  }
}

/** A whole body in a fresh buffer (tests, small helpers). */
export function makeBody(pool: Buffer, seed: number, len: number, offset = 0): Buffer {
  const b = Buffer.allocUnsafe(len);
  fillBody(pool, seed, offset, b, len);
  return b;
}

/** What a GET body must equal. */
export type Expected =
  | { kind: 'stamped'; seed: number; offset: number; length: number }
  /** the bare server answers pool[offset .. offset+length) */
  | { kind: 'pool'; offset: number; length: number };

/**
 * Streaming exact check of a response body against its expected content: feed chunks with
 * update(), then finish() returns undefined when the body is right or a description of the first
 * difference. No copy of the body is kept.
 */
export class BodyVerifier {
  private pos = 0;
  private error: string | undefined;
  private readonly poolBlocks: number;
  private readonly base: number;

  constructor(
    private readonly pool: Buffer,
    private readonly expected: Expected,
  ) {
    this.poolBlocks = pool.length / BLOCK;
    this.base = expected.kind === 'stamped' ? poolStartBlock(expected.seed, this.poolBlocks) : 0;
    if (expected.kind === 'stamped' && expected.offset % BLOCK !== 0) {
      throw new Error('verifier offset must be block-aligned');
    }
  }

  get received(): number {
    return this.pos;
  }

  update(chunk: Buffer): void {
    if (this.error !== undefined) {
      this.pos += chunk.length;
      return;
    }
    const exp = this.expected;
    if (this.pos + chunk.length > exp.length) {
      this.error = `body longer than expected ${exp.length} bytes`;
      this.pos += chunk.length;
      return;
    }
    if (exp.kind === 'pool') {
      const start = exp.offset + this.pos;
      if (start + chunk.length > this.pool.length || chunk.compare(this.pool, start, start + chunk.length) !== 0) {
        this.error = `body differs from the expected bytes within [${this.pos}, ${this.pos + chunk.length})`;
      }
      this.pos += chunk.length;
      return;
    }
    // stamped
    let c = 0;
    while (c < chunk.length) {
      const abs = exp.offset + this.pos + c; // absolute body offset
      const b = Math.floor(abs / BLOCK);
      const r = abs - b * BLOCK; // offset within block
      const m = Math.min(BLOCK - r, chunk.length - c);
      let rr = r;
      let cc = c;
      while (rr < STAMP && cc < c + m) {
        if (chunk[cc] !== stampByte(exp.seed, b, rr)) {
          this.error = `body differs from the expected bytes at offset ${this.pos + cc} (block stamp)`;
          this.pos += chunk.length;
          return;
        }
        rr++;
        cc++;
      }
      const rest = c + m - cc;
      if (rest > 0) {
        const pb = (this.base + b) % this.poolBlocks;
        const ps = pb * BLOCK + rr;
        if (chunk.compare(this.pool, ps, ps + rest, cc, cc + rest) !== 0) {
          this.error = `body differs from the expected bytes within [${this.pos + cc}, ${this.pos + cc + rest})`;
          this.pos += chunk.length;
          return;
        }
      }
      c += m;
    }
    this.pos += chunk.length;
  }

  finish(): string | undefined {
    if (this.error !== undefined) return this.error;
    if (this.pos !== this.expected.length) return `body length ${this.pos}, expected ${this.expected.length}`;
    return undefined;
  }
}
