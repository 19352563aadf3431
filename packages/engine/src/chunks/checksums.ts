/**
 * Incremental checksums S3 supports (x-amz-checksum-*): CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
 *
 * The CRCs run over every uploaded byte, so they are table-driven slicing-by-8 over typed arrays;
 * CRC64 keeps its register as two uint32 halves so the hot loop never touches BigInt.
 * Digests are big-endian bytes; S3 headers carry their base64.
 */
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { ChecksumAlgorithm } from '../types';

export interface Hasher {
  update(data: Uint8Array): void;
  /** Big-endian digest bytes. May be called more than once (returns the same value). */
  digest(): Buffer;
}

// ---------------------------------------------------------------------------------------------
// 32-bit reflected CRCs (CRC32 = IEEE/zlib, CRC32C = Castagnoli)

const CRC32_POLY = 0xedb88320; // reflected 0x04C11DB7
const CRC32C_POLY = 0x82f63b78; // reflected 0x1EDC6F41

/** 8 tables of 256 entries, flattened: T[k*256 + b] = crc of byte b followed by k zero bytes. */
function makeTables32(poly: number): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

let crc32Tables: Int32Array | undefined;
let crc32cTables: Int32Array | undefined;

/** Feeds `data` into a raw (pre-inverted) 32-bit CRC register and returns the new register. */
function update32(t: Int32Array, reg: number, d: Uint8Array): number {
  let crc = reg | 0;
  let i = 0;
  const len = d.length;
  const end8 = len - (len & 7);
  while (i < end8) {
    const a = crc ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24));
    crc =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + d[i + 4]] ^
      t[512 + d[i + 5]] ^
      t[256 + d[i + 6]] ^
      t[d[i + 7]];
    i += 8;
  }
  while (i < len) crc = t[(crc ^ d[i++]) & 0xff] ^ (crc >>> 8);
  return crc;
}

class Crc32Js implements Hasher {
  private reg = -1;
  constructor(private readonly t: Int32Array) {}
  update(data: Uint8Array): void {
    this.reg = update32(this.t, this.reg, data);
  }
  digest(): Buffer {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(~this.reg >>> 0, 0);
    return b;
  }
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
// zlib.crc32 exists from Node 20.15 / 22.2; it is several times faster than any JS loop.
const nativeCrc32: NativeCrc32 | undefined = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;

class Crc32Native implements Hasher {
  private value = 0;
  constructor(private readonly fn: NativeCrc32) {}
  update(data: Uint8Array): void {
    this.value = this.fn(data, this.value);
  }
  digest(): Buffer {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(this.value >>> 0, 0);
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// CRC64NVME: reflected, poly 0x9a6c9329ac4bc9b5 (normal form 0xad93d23594c93659), init/xorout ~0.

const CRC64_POLY_HI = 0x9a6c9329;
const CRC64_POLY_LO = 0xac4bc9b5;

let crc64Hi: Int32Array | undefined;
let crc64Lo: Int32Array | undefined;

function makeTables64(): void {
  const hi = new Int32Array(8 * 256);
  const lo = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const bit = l & 1;
      l = (l >>> 1) | ((h & 1) << 31);
      h = h >>> 1;
      if (bit) {
        h ^= CRC64_POLY_HI;
        l ^= CRC64_POLY_LO;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  for (let n = 0; n < 256; n++) {
    let h = hi[n];
    let l = lo[n];
    for (let k = 1; k < 8; k++) {
      const idx = l & 0xff;
      l = ((l >>> 8) | (h << 24)) ^ lo[idx];
      h = (h >>> 8) ^ hi[idx];
      hi[k * 256 + n] = h;
      lo[k * 256 + n] = l;
    }
  }
  crc64Hi = hi;
  crc64Lo = lo;
}

class Crc64NvmeJs implements Hasher {
  private hi = -1;
  private lo = -1;
  private readonly th: Int32Array;
  private readonly tl: Int32Array;
  constructor() {
    if (!crc64Hi) makeTables64();
    this.th = crc64Hi!;
    this.tl = crc64Lo!;
  }
  update(d: Uint8Array): void {
    const th = this.th;
    const tl = this.tl;
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const len = d.length;
    const end8 = len - (len & 7);
    while (i < end8) {
      // The register is exactly 8 bytes wide, so XOR-ing in 8 input bytes consumes it entirely.
      const a = lo ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24));
      const b = hi ^ (d[i + 4] | (d[i + 5] << 8) | (d[i + 6] << 16) | (d[i + 7] << 24));
      const i7 = 1792 + (a & 0xff);
      const i6 = 1536 + ((a >>> 8) & 0xff);
      const i5 = 1280 + ((a >>> 16) & 0xff);
      const i4 = 1024 + (a >>> 24);
      const i3 = 768 + (b & 0xff);
      const i2 = 512 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      hi = th[i7] ^ th[i6] ^ th[i5] ^ th[i4] ^ th[i3] ^ th[i2] ^ th[i1] ^ th[i0];
      lo = tl[i7] ^ tl[i6] ^ tl[i5] ^ tl[i4] ^ tl[i3] ^ tl[i2] ^ tl[i1] ^ tl[i0];
      i += 8;
    }
    while (i < len) {
      const idx = (lo ^ d[i++]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx];
      hi = (hi >>> 8) ^ th[idx];
    }
    this.hi = hi;
    this.lo = lo;
  }
  digest(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32BE(~this.hi >>> 0, 0);
    b.writeUInt32BE(~this.lo >>> 0, 4);
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// SHA via node:crypto

class CryptoHasher implements Hasher {
  private readonly h: Hash;
  private result?: Buffer;
  constructor(alg: 'sha1' | 'sha256') {
    this.h = createHash(alg);
  }
  update(data: Uint8Array): void {
    if (this.result) throw new Error('Hasher.update after digest');
    this.h.update(data);
  }
  digest(): Buffer {
    // node's Hash can only be finalized once; callers may ask twice (e.g. ETag and header).
    if (!this.result) this.result = this.h.digest();
    return this.result;
  }
}

/** A pure-JS CRC hasher even where a native one exists (tests, benchmarks). */
export function createJsCrc(algorithm: 'CRC32' | 'CRC32C' | 'CRC64NVME'): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Js((crc32Tables ??= makeTables32(CRC32_POLY)));
    case 'CRC32C':
      return new Crc32Js((crc32cTables ??= makeTables32(CRC32C_POLY)));
    case 'CRC64NVME':
      return new Crc64NvmeJs();
    default:
      throw new Error(`not a CRC algorithm: ${String(algorithm)}`);
  }
}

export function createChecksum(algorithm: ChecksumAlgorithm): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return nativeCrc32 ? new Crc32Native(nativeCrc32) : createJsCrc('CRC32');
    case 'CRC32C':
    case 'CRC64NVME':
      return createJsCrc(algorithm);
    case 'SHA1':
      return new CryptoHasher('sha1');
    case 'SHA256':
      return new CryptoHasher('sha256');
    default:
      throw new Error(`unknown checksum algorithm: ${String(algorithm)}`);
  }
}

/** Digest size in bytes for each algorithm. */
export const CHECKSUM_LENGTHS: Readonly<Record<ChecksumAlgorithm, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

// ---------------------------------------------------------------------------------------------
// CRC combination: crc(A||B) from crc(A), crc(B), |B| — zlib's crc32_combine via x^(8n) mod P.
// Works because init == xorout for all three CRCs. Not hot (once per part), so BigInt is fine.

interface CombineParams {
  width: number;
  poly: bigint; // reflected
  x2n: bigint[]; // x2n[k] = x^(2^k) mod P
}

const combineParams = new Map<string, CombineParams>();

function getCombineParams(algorithm: ChecksumAlgorithm): CombineParams {
  let p = combineParams.get(algorithm);
  if (p) return p;
  let width: number;
  let poly: bigint;
  if (algorithm === 'CRC32') [width, poly] = [32, BigInt(CRC32_POLY)];
  else if (algorithm === 'CRC32C') [width, poly] = [32, BigInt(CRC32C_POLY)];
  else if (algorithm === 'CRC64NVME') [width, poly] = [64, 0x9a6c9329ac4bc9b5n];
  else throw new Error(`combineCrc: ${algorithm} is not a CRC`);
  p = { width, poly, x2n: [] };
  // In reflected form the top bit is x^0, so x^1 is the next bit down.
  let v = 1n << BigInt(width - 2);
  for (let k = 0; k < 64; k++) {
    p.x2n.push(v);
    v = multModP(p, v, v);
  }
  combineParams.set(algorithm, p);
  return p;
}

/** a(x) * b(x) mod P, both in reflected representation. */
function multModP(p: CombineParams, a: bigint, b: bigint): bigint {
  let m = 1n << BigInt(p.width - 1);
  let r = 0n;
  while (m !== 0n) {
    if (a & m) {
      r ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ p.poly : b >> 1n;
  }
  return r;
}

/** x^(n * 2^k) mod P. */
function x2nModP(p: CombineParams, n: number, k: number): bigint {
  let r = 1n << BigInt(p.width - 1);
  let nn = BigInt(n);
  while (nn > 0n) {
    if (nn & 1n) r = multModP(p, p.x2n[k], r);
    nn >>= 1n;
    k++;
  }
  return r;
}

/**
 * The CRC of A||B given crc(A), crc(B) and the byte length of B (big-endian digest buffers as
 * produced by createChecksum). For S3 multipart full-object checksums.
 */
export function combineCrc(algorithm: ChecksumAlgorithm, crcA: Buffer, crcB: Buffer, lengthB: number): Buffer {
  const p = getCombineParams(algorithm);
  const bytes = p.width / 8;
  if (crcA.length !== bytes || crcB.length !== bytes) throw new Error(`combineCrc: ${algorithm} digests are ${bytes} bytes`);
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) throw new Error('combineCrc: bad length');
  const a = BigInt('0x' + crcA.toString('hex'));
  const b = BigInt('0x' + crcB.toString('hex'));
  const r = lengthB === 0 ? a : multModP(p, x2nModP(p, lengthB, 3), a) ^ b;
  return Buffer.from(r.toString(16).padStart(bytes * 2, '0'), 'hex');
}
