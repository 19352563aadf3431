import { createHash, randomBytes } from 'node:crypto';
import { CHECKSUM_LENGTHS, combineCrc, createChecksum, createJsCrc } from '../src/chunks/checksums';
import type { ChecksumAlgorithm } from '../src/types';

// A subpath export that `moduleResolution: node` cannot type: required untyped, typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsCrc = require('@aws-sdk/checksums/crc') as Record<string, new () => { update(d: Uint8Array): void; digest(): Promise<Uint8Array> }>;

const CRCS = ['CRC32', 'CRC32C', 'CRC64NVME'] as const;
const ALL: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

function hex(alg: ChecksumAlgorithm, ...parts: Uint8Array[]): string {
  const h = createChecksum(alg);
  for (const p of parts) h.update(p);
  return h.digest().toString('hex');
}

function jsHex(alg: (typeof CRCS)[number], ...parts: Uint8Array[]): string {
  const h = createJsCrc(alg);
  for (const p of parts) h.update(p);
  return h.digest().toString('hex');
}

/** Bit-at-a-time reference, independent of the table code. */
function bitwiseCrc(alg: (typeof CRCS)[number], data: Uint8Array): string {
  const [width, poly] = alg === 'CRC32' ? [32, 0xedb88320n] : alg === 'CRC32C' ? [32, 0x82f63b78n] : [64, 0x9a6c9329ac4bc9b5n];
  const mask = (1n << BigInt(width)) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return (crc ^ mask).toString(16).padStart(width / 4, '0');
}

async function awsHex(alg: (typeof CRCS)[number], data: Uint8Array): Promise<string> {
  const Ctor = alg === 'CRC32' ? awsCrc.Crc32Js : alg === 'CRC32C' ? awsCrc.Crc32cJs : awsCrc.Crc64NvmeJs;
  const h = new Ctor();
  h.update(data);
  return Buffer.from(await h.digest()).toString('hex');
}

describe('check values', () => {
  const check = Buffer.from('123456789');
  test.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
  ] as const)('%s("123456789")', (alg, expected) => {
    expect(hex(alg, check)).toBe(expected);
  });

  test.each(CRCS)('%s pure-JS path gives the check value too', (alg) => {
    expect(jsHex(alg, check)).toBe(bitwiseCrc(alg, check));
  });

  test.each([
    ['CRC32', '00000000'],
    ['CRC32C', '00000000'],
    ['CRC64NVME', '0000000000000000'],
    ['SHA1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['SHA256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ] as const)('%s of empty input', (alg, expected) => {
    expect(hex(alg)).toBe(expected);
    expect(hex(alg, new Uint8Array(0))).toBe(expected);
  });

  test('digest lengths and base64 form as S3 sends it', () => {
    for (const alg of ALL) expect(createChecksum(alg).digest().length).toBe(CHECKSUM_LENGTHS[alg]);
    const h = createChecksum('CRC32');
    h.update(Buffer.from('123456789'));
    expect(h.digest().toString('base64')).toBe('y/Q5Jg==');
  });

  test('digest() can be called twice', () => {
    for (const alg of ALL) {
      const h = createChecksum(alg);
      h.update(Buffer.from('abc'));
      expect(h.digest().equals(h.digest())).toBe(true);
    }
  });
});

describe('cross-check against the AWS SDK and a bitwise reference', () => {
  test.each(CRCS)('%s on random buffers of many lengths', async (alg) => {
    for (const len of [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 255, 1000, 4096, 65537]) {
      const data = randomBytes(len);
      const ours = hex(alg, data);
      expect(ours).toBe(await awsHex(alg, data));
      expect(jsHex(alg, data)).toBe(ours);
      if (len <= 1000) expect(ours).toBe(bitwiseCrc(alg, data));
    }
  });

  test.each(CRCS)('%s on a 3 MiB buffer', async (alg) => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    expect(hex(alg, data)).toBe(await awsHex(alg, data));
  });

  test('SHA1/SHA256 match node:crypto', () => {
    const data = randomBytes(10000);
    expect(hex('SHA1', data)).toBe(createHash('sha1').update(data).digest('hex'));
    expect(hex('SHA256', data)).toBe(createHash('sha256').update(data).digest('hex'));
  });

  test('works on Uint8Array views with a byteOffset', () => {
    const big = randomBytes(100);
    const view = new Uint8Array(big.buffer, big.byteOffset + 3, 61);
    for (const alg of CRCS) expect(hex(alg, view)).toBe(bitwiseCrc(alg, Buffer.from(view)));
  });
});

describe('incremental updates', () => {
  test.each(ALL)('%s: odd split points equal one-shot', (alg) => {
    const data = randomBytes(5000);
    const whole = hex(alg, data);
    for (const splits of [[1], [3, 4], [7, 8, 9], [13, 1000, 1001, 4999], [0, 0, 2500]]) {
      const parts: Buffer[] = [];
      let prev = 0;
      for (const s of splits) {
        parts.push(data.subarray(prev, s));
        prev = s;
      }
      parts.push(data.subarray(prev));
      expect(hex(alg, ...parts)).toBe(whole);
    }
    // byte by byte
    const h = createChecksum(alg);
    for (let i = 0; i < 300; i++) h.update(data.subarray(i, i + 1));
    expect(h.digest().toString('hex')).toBe(hex(alg, data.subarray(0, 300)));
  });

  test.each(CRCS)('%s pure-JS: random split points equal one-shot', (alg) => {
    const data = randomBytes(20000);
    const whole = jsHex(alg, data);
    for (let trial = 0; trial < 20; trial++) {
      const h = createJsCrc(alg);
      let i = 0;
      while (i < data.length) {
        const n = Math.floor(Math.random() * 40);
        h.update(data.subarray(i, i + n));
        i += n;
      }
      expect(h.digest().toString('hex')).toBe(whole);
    }
  });
});

describe('combineCrc', () => {
  function crc(alg: (typeof CRCS)[number], data: Uint8Array): Buffer {
    const h = createChecksum(alg);
    h.update(data);
    return h.digest();
  }

  test.each(CRCS)('%s: combine(a, b) equals crc(a||b)', (alg) => {
    for (const [la, lb] of [
      [0, 0],
      [0, 10],
      [10, 0],
      [1, 1],
      [5, 4],
      [100, 333],
      [4096, 65536],
      [70000, 1],
    ]) {
      const a = randomBytes(la);
      const b = randomBytes(lb);
      expect(combineCrc(alg, crc(alg, a), crc(alg, b), lb).toString('hex')).toBe(crc(alg, Buffer.concat([a, b])).toString('hex'));
    }
  });

  test.each(CRCS)('%s: folding many parts (multipart full-object)', (alg) => {
    const parts = [1000, 7, 8192, 1, 5000].map((n) => randomBytes(n));
    let acc = crc(alg, parts[0]);
    for (const p of parts.slice(1)) acc = combineCrc(alg, acc, crc(alg, p), p.length);
    expect(acc.equals(crc(alg, Buffer.concat(parts)))).toBe(true);
  });

  test('associative at lengths beyond 2^32 (exercises high x^(2^k) powers)', () => {
    // combine(combine(a,b,|b|),c,|c|) == combine(a, combine(b,c,|c|), |b|+|c|) must hold for
    // any lengths, including ones no test could hash directly.
    for (const alg of CRCS) {
      const [a, b, c] = [randomBytes(9), randomBytes(9), randomBytes(9)].map((d) => crc(alg, d));
      for (const [lb, lc] of [
        [5 * 2 ** 30, 7],
        [2 ** 40 + 3, 2 ** 33 + 1],
        [1, 2 ** 52],
      ]) {
        const left = combineCrc(alg, combineCrc(alg, a, b, lb), c, lc);
        const right = combineCrc(alg, a, combineCrc(alg, b, c, lc), lb + lc);
        expect(left.equals(right)).toBe(true);
      }
    }
  });

  test('rejects SHA and wrong-size digests', () => {
    expect(() => combineCrc('SHA256', Buffer.alloc(32), Buffer.alloc(32), 1)).toThrow();
    expect(() => combineCrc('CRC32', Buffer.alloc(8), Buffer.alloc(4), 1)).toThrow();
  });
});
