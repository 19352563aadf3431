/** HTTP dates (RFC 7231 IMF-fixdate) as S3 sends and accepts them. */

export function httpDate(d: Date): string {
  return d.toUTCString();
}

/** Parse an HTTP date header; undefined when absent or unparseable (S3 ignores bad dates in conditions). */
export function parseHttpDate(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t);
}
