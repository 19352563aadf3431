/**
 * Range header parsing and resolution (RFC 7233, single range only, as S3 supports).
 */
import { S3Error } from '../errors';
import type { ByteRangeSpec } from '../types';

const RANGE_RE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Parses `bytes=a-b`, `bytes=a-` or `bytes=-n`. Returns undefined for anything else (syntax
 * errors, other units, multiple ranges, last < first): S3 then ignores the header and serves
 * the whole object.
 */
export function parseRange(header: string | undefined): ByteRangeSpec | undefined {
  if (!header) return undefined;
  const m = RANGE_RE.exec(header);
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  const num = (s: string): number | undefined => {
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  if (a === '') {
    const length = num(b);
    return length === undefined ? undefined : { kind: 'suffix', length };
  }
  const start = num(a);
  if (start === undefined) return undefined;
  if (b === '') return { kind: 'range', start };
  const end = num(b);
  if (end === undefined || end < start) return undefined;
  return { kind: 'range', start, end };
}

export function formatRange(spec: ByteRangeSpec): string {
  return spec.kind === 'suffix' ? `bytes=-${spec.length}` : `bytes=${spec.start}-${spec.end ?? ''}`;
}

/** Inclusive byte range within an object of `size` bytes, or InvalidRange (416). */
export function resolveRange(spec: ByteRangeSpec, size: number): { start: number; end: number } {
  let start: number;
  let end: number;
  if (spec.kind === 'suffix') {
    start = Math.max(0, size - spec.length);
    end = size - 1;
    if (spec.length === 0 || size === 0) throw invalidRange(spec, size);
  } else {
    start = spec.start;
    end = Math.min(spec.end ?? size - 1, size - 1);
    if (start >= size || (spec.end !== undefined && spec.end < spec.start)) throw invalidRange(spec, size);
  }
  return { start, end };
}

function invalidRange(spec: ByteRangeSpec, size: number): S3Error {
  return new S3Error(
    'InvalidRange',
    'The requested range is not satisfiable',
    { ActualObjectSize: String(size), RangeRequested: formatRange(spec) },
    { objectSize: size },
  );
}
