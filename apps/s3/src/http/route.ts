/**
 * Addressing: from the Host header and the raw request target to {bucket, key, style}.
 *
 * - Virtual-hosted style: the host (without port, lower-cased) ends with `.<domain>` for a
 *   configured domain (the longest match wins); the label(s) before it name the bucket and the
 *   whole path is the key.
 * - Path style: any other host (a domain itself, an IP, an unknown name); the first path
 *   segment is the bucket and the rest is the key.
 *
 * The raw path is split once and each part is percent-decoded exactly once
 * (decodeURIComponent: `+` stays `+`, `%2F` becomes `/` inside the key, dot segments and
 * `//` runs are kept). Malformed percent-encoding is InvalidURI.
 */
import { s3Error } from '../errors';

export type AddressingStyle = 'path' | 'virtual-host';

export interface Route {
  style: AddressingStyle;
  bucket?: string;
  /** Present (possibly with odd content) when the request targets an object. */
  key?: string;
  /** Path exactly as sent (percent-encoded), without the query. */
  rawPath: string;
  /** Query exactly as sent, without '?'. */
  rawQuery: string;
  /** The bucket named by the Host header, for SigV2's canonical resource. */
  virtualHostBucket?: string;
  /** The resource as S3 reports it in error documents: "/bucket/key" (raw encoding). */
  resource: string;
}

export const DEFAULT_DOMAINS: readonly string[] = ['s3.localhost', 'localhost'];

/** Normalise configured domains: lower-case, no port, no leading/trailing dots; longest first. */
export function normalizeDomains(domains: readonly string[]): string[] {
  const set = new Set<string>();
  for (const d of domains) {
    const n = d
      .trim()
      .toLowerCase()
      .replace(/:\d+$/, '')
      .replace(/^\.+|\.+$/g, '');
    if (n) set.add(n);
  }
  return [...set].sort((a, b) => b.length - a.length);
}

/** Host header → hostname (lower-case, without port; IPv6 brackets kept). */
export function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** The bucket a virtual-hosted Host names, or undefined for path style. */
export function virtualHostBucket(host: string | undefined, domains: readonly string[]): string | undefined {
  const name = hostnameOf(host).replace(/\.$/, '');
  if (!name || name.startsWith('[')) return undefined;
  if (domains.includes(name)) return undefined; // the bare endpoint: path style
  for (const d of domains) {
    if (name.length > d.length + 1 && name.endsWith('.' + d)) return name.slice(0, -(d.length + 1));
  }
  return undefined;
}

/** Split a request target ("/a/b?x=y", or an absolute-form URL) into raw path and raw query. */
export function splitTarget(url: string): { rawPath: string; rawQuery: string } {
  let target = url;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (abs) target = target.slice(abs[0].length) || '/';
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  return { rawPath: rawPath.startsWith('/') ? rawPath : '/' + rawPath, rawQuery };
}

/** decodeURIComponent, with malformed input reported as S3's InvalidURI. */
export function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw s3Error('InvalidURI');
  }
}

export function resolveRoute(url: string, host: string | undefined, domains: readonly string[]): Route {
  const { rawPath, rawQuery } = splitTarget(url);
  const vhBucket = virtualHostBucket(host, domains);
  if (vhBucket !== undefined) {
    const rawKey = rawPath.slice(1);
    const key = rawKey === '' ? undefined : decodeOnce(rawKey);
    return { style: 'virtual-host', bucket: vhBucket, key, rawPath, rawQuery, virtualHostBucket: vhBucket, resource: `/${vhBucket}${rawPath}` };
  }
  const rest = rawPath.slice(1);
  if (rest === '') return { style: 'path', bucket: undefined, key: undefined, rawPath, rawQuery, resource: '/' };
  const slash = rest.indexOf('/');
  const rawBucket = slash === -1 ? rest : rest.slice(0, slash);
  const rawKey = slash === -1 ? '' : rest.slice(slash + 1);
  const bucket = decodeOnce(rawBucket);
  const key = rawKey === '' ? undefined : decodeOnce(rawKey);
  if (bucket === '' && key !== undefined) throw s3Error('InvalidURI');
  return { style: 'path', bucket: bucket === '' ? undefined : bucket, key, rawPath, rawQuery, resource: rawPath };
}
