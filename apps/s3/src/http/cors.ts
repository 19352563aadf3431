/**
 * CORS as S3 evaluates it: the first rule whose AllowedOrigin matches the Origin (one `*`
 * wildcard allowed), whose AllowedMethod lists the method (Access-Control-Request-Method for a
 * preflight, the request's own method otherwise) and whose AllowedHeader patterns cover every
 * requested header (case-insensitive, one `*` wildcard) wins.
 *
 * Response headers: Access-Control-Allow-Origin is `*` for a `*` rule, else the request's Origin
 * together with Access-Control-Allow-Credentials: true; Allow-Methods lists the rule's methods;
 * Expose-Headers and Max-Age come from the rule; Vary names what the answer depends on.
 * Actual (non-preflight) responses carry them too — errors included — when a rule matches.
 */
import type Koa from 'koa';
import type { CorsRule, EngineApi } from '@cairn/engine';
import type { RequestState } from '../middleware/requestContext';

export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

export const CORS_NOT_ENABLED = 'CORSResponse: CORS is not enabled for this bucket.';
export const CORS_NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/** Glob with at most one `*` (validated at PutBucketCors). */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star === -1) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

/** "a, B ,c" → ["a","b","c"] (lower-cased, empty entries dropped). */
export function parseRequestHeaders(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

export function findCorsRule(rules: readonly CorsRule[], origin: string, method: string, requestHeaders: readonly string[] = []): CorsRule | undefined {
  return rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcardMatch(o, origin)) &&
      r.allowedMethods.includes(method) &&
      requestHeaders.every((h) => r.allowedHeaders.some((p) => wildcardMatch(p, h, true))),
  );
}

export function corsHeaders(rule: CorsRule, origin: string, preflight?: { requestHeaders: string[] }): Record<string, string> {
  const out: Record<string, string> = {};
  if (rule.allowedOrigins.includes('*')) out['Access-Control-Allow-Origin'] = '*';
  else {
    out['Access-Control-Allow-Origin'] = origin;
    out['Access-Control-Allow-Credentials'] = 'true';
  }
  out['Access-Control-Allow-Methods'] = rule.allowedMethods.join(', ');
  if (preflight && preflight.requestHeaders.length) out['Access-Control-Allow-Headers'] = preflight.requestHeaders.join(', ');
  if (rule.exposeHeaders.length) out['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) out['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  out.Vary = CORS_VARY;
  return out;
}

/**
 * Adds CORS headers to any response (success or error) to a request carrying Origin whose bucket
 * has a matching rule. Sits outside the error responder so error documents get them too.
 * Preflights (OPTIONS) are answered by their handler instead.
 */
export function corsResponseHeaders(engine: EngineApi): Koa.Middleware {
  return async (ctx, next) => {
    await next();
    const origin = ctx.get('origin');
    if (!origin || ctx.method === 'OPTIONS') return;
    const bucket = (ctx.state.s3 as RequestState | undefined)?.bucket;
    if (!bucket || ctx.headerSent) return;
    const rules = await engine.getBucketCors(bucket).catch(() => undefined);
    if (!rules) return;
    const rule = findCorsRule(rules, origin, ctx.method);
    if (!rule) return;
    for (const [k, v] of Object.entries(corsHeaders(rule, origin))) ctx.set(k, v);
  };
}
