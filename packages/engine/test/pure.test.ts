import {
  parseRange,
  resolveRange,
  evaluateReadConditions,
  evaluateCopySourceConditions,
  validateBucketName,
  etagMatches,
  S3Error,
  type ByteRangeSpec,
} from '../src';
import { evaluateWriteConditions } from '../src/objects/conditions';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as S3Error).code;
  }
}

describe('parseRange', () => {
  it.each<[string | undefined, ByteRangeSpec | undefined]>([
    ['bytes=0-9', { kind: 'range', start: 0, end: 9 }],
    ['bytes=5-', { kind: 'range', start: 5 }],
    ['bytes=-3', { kind: 'suffix', length: 3 }],
    ['bytes=-0', { kind: 'suffix', length: 0 }],
    [' bytes = 1 - 2 ', { kind: 'range', start: 1, end: 2 }],
    ['BYTES=1-2', { kind: 'range', start: 1, end: 2 }],
    ['bytes=0-0', { kind: 'range', start: 0, end: 0 }],
    [undefined, undefined],
    ['', undefined],
    ['bytes=', undefined],
    ['bytes=-', undefined],
    ['bytes=5-2', undefined],
    ['bytes=0-1,3-4', undefined],
    ['bytes=a-b', undefined],
    ['items=0-1', undefined],
    ['bytes=1.5-2', undefined],
    ['bytes=99999999999999999999-', undefined],
  ])('%p → %p', (h, want) => {
    expect(parseRange(h)).toEqual(want);
  });
});

describe('resolveRange', () => {
  it.each<[ByteRangeSpec, number, { start: number; end: number } | string]>([
    [{ kind: 'range', start: 0, end: 9 }, 100, { start: 0, end: 9 }],
    [{ kind: 'range', start: 90, end: 200 }, 100, { start: 90, end: 99 }],
    [{ kind: 'range', start: 99 }, 100, { start: 99, end: 99 }],
    [{ kind: 'range', start: 100 }, 100, 'InvalidRange'],
    [{ kind: 'range', start: 100, end: 200 }, 100, 'InvalidRange'],
    [{ kind: 'range', start: 0 }, 0, 'InvalidRange'],
    [{ kind: 'range', start: 0, end: 0 }, 0, 'InvalidRange'],
    [{ kind: 'suffix', length: 10 }, 100, { start: 90, end: 99 }],
    [{ kind: 'suffix', length: 100 }, 100, { start: 0, end: 99 }],
    [{ kind: 'suffix', length: 500 }, 100, { start: 0, end: 99 }],
    [{ kind: 'suffix', length: 0 }, 100, 'InvalidRange'],
    [{ kind: 'suffix', length: 5 }, 0, 'InvalidRange'],
  ])('%p of %p → %p', (spec, size, want) => {
    if (typeof want === 'string') {
      expect(code(() => resolveRange(spec, size))).toBe(want);
    } else expect(resolveRange(spec, size)).toEqual(want);
  });

  it('reports the object size and requested range', () => {
    try {
      resolveRange({ kind: 'range', start: 10 }, 5);
      throw new Error('no throw');
    } catch (e) {
      expect(e).toMatchObject({ code: 'InvalidRange', fields: { ActualObjectSize: '5', RangeRequested: 'bytes=10-' } });
    }
  });
});

describe('conditions', () => {
  const t0 = new Date('2024-01-01T00:00:10.500Z');
  const meta = { etag: 'abc', lastModified: t0 };
  const before = new Date('2024-01-01T00:00:05Z');
  const same = new Date('2024-01-01T00:00:10Z'); // same second as t0
  const after = new Date('2024-01-01T00:00:20Z');
  const now = Date.parse('2024-06-01T00:00:00Z');

  it.each<[string, object, string | undefined]>([
    ['no conditions', {}, undefined],
    ['if-match hit', { ifMatch: '"abc"' }, undefined],
    ['if-match unquoted', { ifMatch: 'abc' }, undefined],
    ['if-match weak', { ifMatch: 'W/"abc"' }, undefined],
    ['if-match list', { ifMatch: '"x", "abc"' }, undefined],
    ['if-match star', { ifMatch: '*' }, undefined],
    ['if-match miss', { ifMatch: '"zzz"' }, 'PreconditionFailed'],
    ['if-unmodified-since before', { ifUnmodifiedSince: before }, 'PreconditionFailed'],
    ['if-unmodified-since same second', { ifUnmodifiedSince: same }, undefined],
    ['if-unmodified-since after', { ifUnmodifiedSince: after }, undefined],
    ['if-match true overrides if-unmodified-since false', { ifMatch: 'abc', ifUnmodifiedSince: before }, undefined],
    ['if-none-match hit', { ifNoneMatch: '"abc"' }, 'NotModified'],
    ['if-none-match star', { ifNoneMatch: '*' }, 'NotModified'],
    ['if-none-match miss', { ifNoneMatch: '"zzz"' }, undefined],
    ['if-modified-since before', { ifModifiedSince: before }, undefined],
    ['if-modified-since same second', { ifModifiedSince: same }, 'NotModified'],
    ['if-modified-since after', { ifModifiedSince: after }, 'NotModified'],
    ['if-modified-since in the future is ignored', { ifModifiedSince: new Date(now + 86400e3) }, undefined],
    ['if-none-match miss overrides if-modified-since', { ifNoneMatch: 'zzz', ifModifiedSince: after }, undefined],
    ['if-none-match hit + modified-since true', { ifNoneMatch: 'abc', ifModifiedSince: before }, 'NotModified'],
    ['if-match fails before if-none-match', { ifMatch: 'zzz', ifNoneMatch: 'abc' }, 'PreconditionFailed'],
    ['if-unmodified-since fails before if-modified-since', { ifUnmodifiedSince: before, ifModifiedSince: after }, 'PreconditionFailed'],
    ['invalid dates are ignored', { ifModifiedSince: new Date('x'), ifUnmodifiedSince: new Date('y') }, undefined],
  ])('read: %s', (_name, cond, want) => {
    expect(code(() => evaluateReadConditions(meta, cond, now))).toBe(want);
  });

  it('304 carries ETag and Last-Modified', () => {
    try {
      evaluateReadConditions(meta, { ifNoneMatch: 'abc' }, now);
    } catch (e) {
      expect({ etag: (e as S3Error).etag, lastModified: (e as S3Error).lastModified }).toEqual({ etag: 'abc', lastModified: t0 });
    }
  });

  it.each<[string, object, string | undefined]>([
    ['if-match true + if-unmodified-since false proceeds', { ifMatch: 'abc', ifUnmodifiedSince: before }, undefined],
    ['if-none-match false + if-modified-since true → 412', { ifNoneMatch: 'abc', ifModifiedSince: before }, 'PreconditionFailed'],
    ['if-modified-since not modified → 412, never 304', { ifModifiedSince: after }, 'PreconditionFailed'],
    ['if-match miss → 412', { ifMatch: 'nope' }, 'PreconditionFailed'],
    ['if-none-match miss → copy', { ifNoneMatch: 'nope' }, undefined],
  ])('copy source: %s', (_name, cond, want) => {
    expect(code(() => evaluateCopySourceConditions(meta, cond, now))).toBe(want);
  });

  it.each<[string, typeof meta | undefined, object, string | undefined]>([
    ['if-none-match * on missing key', undefined, { ifNoneMatch: '*' }, undefined],
    ['if-none-match * on existing key', meta, { ifNoneMatch: '*' }, 'PreconditionFailed'],
    ['if-match on missing key', undefined, { ifMatch: 'abc' }, 'NoSuchKey'],
    ['if-match * on missing key', undefined, { ifMatch: '*' }, 'NoSuchKey'],
    ['if-match * on existing key', meta, { ifMatch: '*' }, undefined],
    ['if-match same etag (quoted)', meta, { ifMatch: '"abc"' }, undefined],
    ['if-match other etag', meta, { ifMatch: '"def"' }, 'PreconditionFailed'],
  ])('write: %s', (_name, cur, cond, want) => {
    expect(code(() => evaluateWriteConditions(cur, cond, 'k'))).toBe(want);
  });

  it('etagMatches ignores empty list entries', () => {
    expect(etagMatches('', 'abc')).toBe(false);
    expect(etagMatches('"", abc', 'abc')).toBe(true);
  });
});

describe('validateBucketName', () => {
  it.each([
    ['abc', true],
    ['my-bucket.example', true],
    ['a'.repeat(63), true],
    ['0bucket9', true],
    ['ab', false],
    ['a'.repeat(64), false],
    ['MyBucket', false],
    ['my_bucket', false],
    ['-bucket', false],
    ['bucket-', false],
    ['.bucket', false],
    ['bucket.', false],
    ['my..bucket', false],
    ['my.-bucket', false],
    ['my-.bucket', false],
    ['192.168.5.4', false],
    ['xn--bucket', false],
    ['sthree-bucket', false],
    ['bucket-s3alias', false],
    ['bucket--ol-s3', false],
    ['bucket--x-s3', false],
    ['bucket.mrap', false],
    ['buck et', false],
    ['bücket', false],
    ['', false],
  ])('%p valid=%p', (name, ok) => {
    expect(code(() => validateBucketName(name))).toBe(ok ? undefined : 'InvalidBucketName');
  });
});
