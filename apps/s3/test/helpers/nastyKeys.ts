/**
 * The fixed list of awkward object keys every suite uses (DESIGN.md, Tests).
 * Each of these is a perfectly legal S3 key and must round-trip byte for byte:
 * PUT, GET, HEAD, list (plain and encoding-type=url), copy, delete.
 * None of them may ever be interpreted as a filesystem path or normalised as a URL path.
 */

/** Exactly 1024 bytes of UTF-8: the longest key S3 accepts. */
export const KEY_1024 = 'long/' + 'k'.repeat(1024 - 'long/'.length);

/** 1025 bytes: one too many (KeyTooLongError). */
export const KEY_1025 = KEY_1024 + 'x';

export interface NastyKey {
  /** Short label for test titles (the key itself may be unprintable or 1 KiB long). */
  name: string;
  key: string;
}

export const NASTY_KEYS: readonly NastyKey[] = [
  { name: 'space', key: 'a b' },
  { name: 'plus', key: 'a+b' },
  { name: 'literal %2F', key: 'a%2Fb' },
  { name: 'latin-1 accents with slash', key: 'ü/é' },
  { name: 'CJK with slash', key: '日本/語' },
  { name: 'tab', key: 'tab\there' },
  { name: 'dot-dot', key: '..' },
  { name: 'dot-slash prefix', key: './x' },
  { name: 'dot-dot segment', key: 'x/../y' },
  { name: 'leading double slash', key: '//double' },
  { name: 'trailing slash', key: 'trailing/' },
  { name: '1024-byte key', key: KEY_1024 },
  { name: 'emoji', key: '🪨cairn/🏔️ summit 👩‍👩‍👧' },
  { name: 'question mark', key: 'a?b' },
  { name: 'hash', key: 'a#b' },
  { name: 'ampersand and equals', key: 'a&b=c' },
  { name: 'tilde', key: '~tilde' },
  { name: 'quotes', key: `'quote"` },
  { name: 'xml markup', key: '<xml>&amp;' },
  { name: 'percent sign', key: '100% sure' },
  { name: 'single dot', key: '.' },
  { name: 'dot-dot with slash', key: '../escape' },
];

/** UTF-8 byte length (S3's key limit is in bytes, not characters). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Percent-encode a key the way S3 / SigV4 canonical URIs do: every byte except the unreserved set
 * (A-Z a-z 0-9 - _ . ~) is %XX-encoded; `/` is kept as a path separator.
 * Use it to build raw paths: `/${bucket}/${encodeKey(key)}`. Dot segments are NOT collapsed.
 */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((seg) => encodeSegment(seg))
    .join('/');
}

/** Percent-encode one path segment or query value (RFC 3986 unreserved set kept, everything else %XX). */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
