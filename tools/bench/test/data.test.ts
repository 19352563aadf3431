import { BodyVerifier, fillBody, makeBody, makePool } from '../src/data';

describe('bodies', () => {
  const pool = makePool(1024 * 1024);

  it('generates a deterministic pool', () => {
    expect(makePool(8192).equals(pool.subarray(0, 8192))).toBe(true);
  });

  it('makes every 4 KiB block of every object unique', () => {
    const a = makeBody(pool, 1, 64 * 1024);
    const b = makeBody(pool, 2, 64 * 1024);
    const seen = new Set<string>();
    for (const body of [a, b]) for (let o = 0; o < body.length; o += 4096) seen.add(body.subarray(o, o + 4096).toString('base64'));
    expect(seen.size).toBe(32);
  });

  it('fills from an offset consistently with the whole body (wrapping the pool)', () => {
    const whole = makeBody(pool, 7, 3 * 1024 * 1024);
    const part = Buffer.alloc(1024 * 1024 + 100);
    fillBody(pool, 7, 1024 * 1024, part, part.length);
    expect(part.equals(whole.subarray(1024 * 1024, 2 * 1024 * 1024 + 100))).toBe(true);
  });

  it('verifies a streamed body at any chunking, and catches a flipped byte or wrong length', () => {
    const body = makeBody(pool, 42, 100_000, 8192);
    const ok = new BodyVerifier(pool, { kind: 'stamped', seed: 42, offset: 8192, length: 100_000 });
    for (let i = 0; i < body.length; i += 777) ok.update(body.subarray(i, i + 777));
    expect(ok.finish()).toBeUndefined();

    for (const at of [0, 5, 4100, 99_999]) {
      const bad = Buffer.from(body);
      bad[at] ^= 1;
      const v = new BodyVerifier(pool, { kind: 'stamped', seed: 42, offset: 8192, length: 100_000 });
      v.update(bad.subarray(0, 3));
      v.update(bad.subarray(3));
      expect(v.finish()).toMatch(/differs/);
    }
    const short = new BodyVerifier(pool, { kind: 'stamped', seed: 42, offset: 8192, length: 100_000 });
    short.update(body.subarray(0, 99_000));
    expect(short.finish()).toMatch(/length/);
    const other = new BodyVerifier(pool, { kind: 'stamped', seed: 43, offset: 8192, length: 100_000 });
    other.update(body);
    expect(other.finish()).toMatch(/differs/);
  });

  it('verifies pool-prefix bodies (the bare server)', () => {
    const v = new BodyVerifier(pool, { kind: 'pool', offset: 0, length: 5000 });
    v.update(pool.subarray(0, 4000));
    v.update(pool.subarray(4000, 5000));
    expect(v.finish()).toBeUndefined();
    const w = new BodyVerifier(pool, { kind: 'pool', offset: 0, length: 5000 });
    w.update(Buffer.alloc(5000));
    expect(w.finish()).toMatch(/differs/);
  });
});
