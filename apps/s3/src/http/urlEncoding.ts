/**
 * `encoding-type=url` for listings: S3 percent-encodes keys (and prefixes, delimiters, markers):
 * a space is `%20` (never `+`), `+` is `%2B`; unreserved characters and `/` stay.
 * botocore decodes with unquote_plus, other clients with a plain percent-decode: `%20` suits both.
 */
const KEEP = /[A-Za-z0-9\-_.*/]/;

export function s3UrlEncode(s: string): string {
  let out = '';
  for (const ch of s) {
    if (KEEP.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Identity unless the request asked for url encoding. */
export function encoderFor(encodingType: string | undefined): (s: string) => string {
  return encodingType === 'url' ? s3UrlEncode : (s) => s;
}
