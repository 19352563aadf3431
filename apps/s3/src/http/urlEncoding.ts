/**
 * `encoding-type=url` for listings: S3 percent-encodes keys (and prefixes, delimiters, markers)
 * like a query value: space becomes `+`, `+` becomes `%2B`; unreserved characters and `/` stay.
 * botocore decodes with unquote_plus, so this is the form clients expect.
 */
const KEEP = /[A-Za-z0-9\-_.*/]/;

export function s3UrlEncode(s: string): string {
  let out = '';
  for (const ch of s) {
    if (KEEP.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Identity unless the request asked for url encoding. */
export function encoderFor(encodingType: string | undefined): (s: string) => string {
  return encodingType === 'url' ? s3UrlEncode : (s) => s;
}
