/**
 * Website routing rules (pure). S3 applies them after looking the requested key up, in the
 * configured order, the first match winning: a rule without a Condition matches every request,
 * KeyPrefixEquals matches the requested key (as requested: before the index document is
 * appended), HttpErrorCodeReturnedEquals matches the status the lookup produced. So a rule with
 * only KeyPrefixEquals redirects existing objects too, and an error-code rule only failed lookups.
 */
import type { WebsiteRoutingRule } from '@cairn/engine';

/** The first rule whose condition holds for this key and lookup status, if any. */
export function matchRoutingRule(rules: readonly WebsiteRoutingRule[] | undefined, key: string, status: number): WebsiteRoutingRule | undefined {
  for (const rule of rules ?? []) {
    const c = rule.condition;
    if (c?.keyPrefixEquals !== undefined && !key.startsWith(c.keyPrefixEquals)) continue;
    if (c?.httpErrorCodeReturnedEquals !== undefined && Number(c.httpErrorCodeReturnedEquals.trim()) !== status) continue;
    return rule;
  }
  return undefined;
}

/** A key as a URL path (each segment percent-encoded, `/` kept), with the leading `/`. */
export function keyPath(key: string): string {
  return '/' + key.split('/').map(encodeURIComponent).join('/');
}

/**
 * Where a matched redirect rule sends the request: the rule's protocol (default http: Cairn
 * itself speaks plain HTTP) and host (default the request's own Host), and the key with
 * ReplaceKeyWith / ReplaceKeyPrefixWith applied (the prefix replaced is KeyPrefixEquals, '' when
 * the rule has none). Status: HttpRedirectCode, default 301.
 */
export function routingRuleRedirect(rule: WebsiteRoutingRule, key: string, requestHost: string): { status: number; location: string } {
  const r = rule.redirect ?? {};
  let target = key;
  if (r.replaceKeyWith !== undefined) target = r.replaceKeyWith;
  else if (r.replaceKeyPrefixWith !== undefined) target = r.replaceKeyPrefixWith + key.slice((rule.condition?.keyPrefixEquals ?? '').length);
  const status = r.httpRedirectCode !== undefined ? Number(r.httpRedirectCode.trim()) : 301;
  return { status, location: `${r.protocol ?? 'http'}://${r.hostName ?? requestHost}${keyPath(target)}` };
}
