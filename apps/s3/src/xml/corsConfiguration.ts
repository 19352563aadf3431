/**
 * `<CORSConfiguration>`: PutBucketCors request body and GetBucketCors response, with S3's
 * validation (methods GET/PUT/POST/DELETE/HEAD, at most one `*` per origin or header, at most
 * 100 rules, ID ≤ 255 characters).
 */
import type { CorsRule } from '@cairn/engine';
import { s3Error, invalidArgument, invalidRequest } from '../errors';
import { buildXml, children, childText, parseXml, text, type XmlObject } from './codec';

export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const;
export const MAX_CORS_RULES = 100;

const texts = (el: Parameters<typeof children>[0], name: string): string[] => children(el, name).map((c) => text(c) ?? '');

export async function parseCorsConfiguration(body: Buffer): Promise<CorsRule[]> {
  const root = await parseXml(body, 'CORSConfiguration');
  const rules = children(root, 'CORSRule');
  if (rules.length === 0 || rules.length > MAX_CORS_RULES) throw s3Error('MalformedXML');
  return rules.map((r) => {
    const allowedOrigins = texts(r, 'AllowedOrigin').map((s) => s.trim());
    const allowedMethods = texts(r, 'AllowedMethod').map((s) => s.trim());
    const allowedHeaders = texts(r, 'AllowedHeader').map((s) => s.trim());
    const exposeHeaders = texts(r, 'ExposeHeader').map((s) => s.trim());
    if (allowedOrigins.length === 0 || allowedMethods.length === 0) throw s3Error('MalformedXML');
    for (const m of allowedMethods) {
      if (!(CORS_METHODS as readonly string[]).includes(m)) {
        throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
      }
    }
    for (const o of allowedOrigins) {
      if (o.split('*').length > 2) throw invalidRequest(`AllowedOrigin "${o}" can not have more than one wildcard.`);
    }
    for (const h of allowedHeaders) {
      if (h.split('*').length > 2) throw invalidRequest(`AllowedHeader "${h}" can not have more than one wildcard.`);
    }
    const rule: CorsRule = { allowedOrigins, allowedMethods, allowedHeaders, exposeHeaders };
    const id = childText(r, 'ID');
    if (id !== undefined) {
      if (id.length > 255) throw invalidArgument('The ID of a CORS rule must be at most 255 characters', 'ID');
      rule.id = id;
    }
    const maxAge = childText(r, 'MaxAgeSeconds');
    if (maxAge !== undefined) {
      const v = maxAge.trim();
      if (!/^-?\d{1,10}$/.test(v)) throw s3Error('MalformedXML');
      rule.maxAgeSeconds = Number(v);
    }
    return rule;
  });
}

export function renderCorsConfiguration(rules: CorsRule[]): string {
  const body: XmlObject = {
    CORSRule: rules.map((r) => ({
      ID: r.id,
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      MaxAgeSeconds: r.maxAgeSeconds,
    })),
  };
  return buildXml('CORSConfiguration', body, { xmlns: true });
}
