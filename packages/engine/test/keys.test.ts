import * as keys from '../src/meta/keys';

describe('key layout', () => {
  it('object keys sort byte-wise by UTF-8 within a bucket', () => {
    const names = ['a', 'a/', 'a/b', 'a0', 'b', 'z', 'ä', 'é', '日本', '😀', 'A', ' ', 'a\tb', '\u007f', '\u0080', '\uffff'];
    const enc = names.map((n) => keys.objectKey('7', n));
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const byKey = names
      .map((n, i) => ({ n, k: enc[i] }))
      .sort((x, y) => Buffer.compare(x.k, y.k))
      .map((x) => x.n);
    expect(byKey).toEqual(byBytes);
    // Code-point order: '😀' (U+1F600) sorts after '\uffff' even though UTF-16 would put it before.
    expect(byKey.indexOf('😀')).toBeGreaterThan(byKey.indexOf('\uffff'));
  });

  it('round-trips keys and keeps buckets apart', () => {
    const p = keys.objectPrefix('1');
    const k = keys.objectKey('1', 'x/../y//日本');
    expect(keys.decodeObjectKey(k, p.length)).toBe('x/../y//日本');
    const r1 = keys.objectsRange('1');
    const other = keys.objectKey('12', 'a');
    expect(Buffer.compare(other, r1.gte) >= 0 && Buffer.compare(other, r1.lt) < 0).toBe(false);
    expect(Buffer.compare(k, r1.gte) >= 0 && Buffer.compare(k, r1.lt) < 0).toBe(true);
  });

  it('prefixSuccessor increments the last byte, carrying over 0xff', () => {
    expect(keys.prefixSuccessor(Buffer.from('ab'))).toEqual(Buffer.from('ac'));
    expect(keys.prefixSuccessor(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(keys.prefixSuccessor(Buffer.from([0xff, 0xff]))).toBeUndefined();
    const s = keys.prefixSuccessor(Buffer.from('a/'))!;
    for (const x of ['a/', 'a/b', 'a/\uffff', 'a/😀']) expect(Buffer.compare(Buffer.from(x), s)).toBeLessThan(0);
    expect(Buffer.compare(Buffer.from('a0'), s)).toBeGreaterThanOrEqual(0);
  });

  it('GC markers are ordered by time and decode back', () => {
    const h = 'ab'.repeat(32);
    const a = keys.gcMarkerKey(1000, h);
    const b = keys.gcMarkerKey(20000, h);
    expect(Buffer.compare(a, b)).toBeLessThan(0);
    expect(keys.decodeGcMarkerKey(b)).toEqual({ zeroedAt: 20000, hash: h });
    const before = keys.gcMarkersBefore(20000);
    expect(Buffer.compare(a, before.lt)).toBeLessThan(0);
    expect(Buffer.compare(b, before.lt)).toBeGreaterThan(0);
  });

  it('data segments sort by offset', () => {
    const a = keys.dataSegmentKey('d1', 5);
    const b = keys.dataSegmentKey('d1', 40);
    expect(Buffer.compare(a, b)).toBeLessThan(0);
    expect(keys.decodeDataSegmentOffset(b)).toBe(40);
    expect(keys.decodeDataSegmentId(b)).toBe('d1');
  });

  it('owner index keys decode', () => {
    expect(keys.decodeOwnerIndexKey(keys.ownerIndexKey('alice', 'bkt'), 'alice')).toBe('bkt');
  });
});
