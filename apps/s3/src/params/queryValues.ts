/**
 * Readers of single query-string values, each with S3's exact error for a bad value. The
 * per-operation parsers (listingParams.ts, objectParams.ts) are built from these; handlers
 * never read `c.query` themselves.
 */
import { s3Error, invalidArgument } from '../errors';

/** S3's integer range for counts (max-keys, max-uploads, max-parts). */
const INT32_MAX = 2147483647;

/** The value, or undefined when the parameter is absent. */
export const optional = (q: URLSearchParams, name: string): string | undefined => q.get(name) ?? undefined;

/** A non-negative decimal integer within S3's int32 range, or undefined when it is not one. */
function nonNegativeInt(v: string): number | undefined {
  const t = v.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= INT32_MAX ? n : undefined;
}

/** max-keys (ListObjects v1/v2, ListObjectVersions): default and cap 1000; not an integer → InvalidArgument. */
export function maxKeysParam(q: URLSearchParams, limit = 1000): number {
  const v = q.get('max-keys');
  if (v === null || v === '') return limit;
  const n = nonNegativeInt(v);
  if (n === undefined) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', v);
  return Math.min(n, limit);
}

/**
 * A count that S3 documents as 0..2147483647 (max-uploads, max-parts): default and cap `limit`.
 * S3's message names the parameter as sent ("Argument max-parts must be an integer between ...").
 */
export function countParam(q: URLSearchParams, name: 'max-uploads' | 'max-parts', limit = 1000): number {
  const v = q.get(name);
  if (v === null || v === '') return limit;
  const n = nonNegativeInt(v);
  if (n === undefined) throw invalidArgument(`Argument ${name} must be an integer between 0 and ${INT32_MAX}`, name, v);
  return Math.min(n, limit);
}

/** part-number-marker (ListParts): default 0; S3 calls it partNumberMarker in its message. */
export function partNumberMarkerParam(q: URLSearchParams): number {
  const v = q.get('part-number-marker');
  if (v === null || v === '') return 0;
  const n = nonNegativeInt(v);
  if (n === undefined) throw invalidArgument('Argument partNumberMarker must be an integer.', 'part-number-marker', v);
  return n;
}

/** max-buckets (ListBuckets): 1..10000 when given. */
export const MAX_BUCKETS_LIMIT = 10000;
export function maxBucketsParam(q: URLSearchParams): number | undefined {
  const v = q.get('max-buckets');
  if (v === null) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_BUCKETS_LIMIT) {
    throw invalidArgument(`Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS_LIMIT}`, 'max-buckets', v);
  }
  return Number(v);
}

/** encoding-type: only "url" (any case); absent or empty: none. */
export function encodingTypeParam(q: URLSearchParams): 'url' | undefined {
  const v = q.get('encoding-type');
  if (v === null || v === '') return undefined;
  if (v.toLowerCase() !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', v);
  return 'url';
}

/** delimiter: '' means "no delimiter". */
export function delimiterParam(q: URLSearchParams): string | undefined {
  const v = q.get('delimiter');
  return v === null || v === '' ? undefined : v;
}

/** ?versionId= of an object request: absent, or a non-empty id (the engine checks its form: InvalidArgument). */
export function versionIdParam(q: URLSearchParams): string | undefined {
  const v = q.get('versionId');
  if (v === null) return undefined;
  if (v === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', '');
  return v;
}

/** ?uploadId=..., required and non-empty (an unknown one is the engine's NoSuchUpload). */
export function uploadIdParam(q: URLSearchParams): string {
  const id = q.get('uploadId');
  if (id === null || id === '') throw s3Error('NoSuchUpload', undefined, { UploadId: id ?? '' });
  return id;
}

const PART_NUMBER_MESSAGE = 'Part number must be an integer between 1 and 10000, inclusive';

/** ?partNumber=N: 1..10000. Required for UploadPart(Copy), optional for GetObject/HeadObject. */
export function partNumberParam(q: URLSearchParams, required: true): number;
export function partNumberParam(q: URLSearchParams, required: false): number | undefined;
export function partNumberParam(q: URLSearchParams, required: boolean): number | undefined {
  const raw = q.get('partNumber');
  if (raw === null && !required) return undefined;
  const v = raw ?? '';
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 10000) throw invalidArgument(PART_NUMBER_MESSAGE, 'partNumber', v);
  return Number(v);
}

/** The response-* query overrides GetObject/HeadObject accept → the header each one sets. */
export const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/** header name → value of every response-* override present (in RESPONSE_OVERRIDES order). */
export function responseOverridesParam(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [param, headerName] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = q.get(param);
    if (v !== null) out[headerName] = v;
  }
  return out;
}
