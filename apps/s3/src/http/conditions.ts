/** Conditional request headers → the engine's condition records. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ReadConditions, WriteConditions } from '@cairn/engine';
import { s3Error } from '../errors';
import { parseHttpDate } from './dates';

function h(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since (GET, HEAD), or the x-amz-copy-source-if-* set. */
export function readConditions(headers: IncomingHttpHeaders, prefix = ''): ReadConditions | undefined {
  const c: ReadConditions = {
    ifMatch: h(headers, `${prefix}if-match`),
    ifNoneMatch: h(headers, `${prefix}if-none-match`),
    ifModifiedSince: parseHttpDate(h(headers, `${prefix}if-modified-since`)),
    ifUnmodifiedSince: parseHttpDate(h(headers, `${prefix}if-unmodified-since`)),
  };
  return Object.values(c).some((v) => v !== undefined) ? c : undefined;
}

/** If-Match / If-None-Match on writes. S3 supports only `If-None-Match: *` for the latter. */
export function writeConditions(headers: IncomingHttpHeaders): WriteConditions | undefined {
  const ifMatch = h(headers, 'if-match');
  const ifNoneMatch = h(headers, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw s3Error('NotImplemented', undefined, { Header: 'If-None-Match' });
  }
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return { ifMatch: ifMatch?.trim(), ifNoneMatch: ifNoneMatch?.trim() };
}
