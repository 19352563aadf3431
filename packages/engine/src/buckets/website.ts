/**
 * Static-website configuration rules (PutBucketWebsite), with S3's codes and messages:
 *   - RedirectAllRequestsTo stands alone (HostName required; Protocol http or https);
 *   - otherwise IndexDocument/Suffix is required: not empty, no `/`;
 *   - ErrorDocument/Key, when present, is not empty;
 *   - 1..50 routing rules; a Condition, when present, is not empty; HttpErrorCodeReturnedEquals
 *     is 4XX or 5XX; HttpRedirectCode is 3XX except 300; ReplaceKeyPrefixWith or ReplaceKeyWith,
 *     not both; HostName, when present, is not blank.
 * The Cairn extension `serveKey` (a single-page-app fallback, never on unless configured) replaces
 * a rule's Redirect and needs an HttpErrorCodeReturnedEquals condition (4XX).
 * Pure: no I/O; the XML codec (apps/s3) reports structural problems as MalformedXML before this.
 */
import { invalidArgument, invalidRequest, malformedXml } from '../errors';
import type { WebsiteConfiguration, WebsiteRedirect, WebsiteRoutingRule } from '../types';

export const MAX_ROUTING_RULES = 50;

const PROTOCOL_MESSAGE = 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.';

function checkProtocol(p: string | undefined): void {
  if (p !== undefined && p !== 'http' && p !== 'https') throw invalidRequest(PROTOCOL_MESSAGE);
}

/** A status code element's value: digits only (anything else is MalformedXML, as S3's schema). */
function statusCode(v: string): number {
  if (!/^\d{3}$/.test(v.trim())) throw malformedXml();
  return Number(v.trim());
}

function validateRedirect(r: WebsiteRedirect): void {
  if (r.hostName !== undefined && r.hostName.trim() === '') {
    throw invalidRequest('The HostName cannot be blank. To redirect within the same domain, the element should not be present.');
  }
  checkProtocol(r.protocol);
  if (r.httpRedirectCode !== undefined) {
    const code = statusCode(r.httpRedirectCode);
    if (code <= 300 || code >= 400) throw invalidRequest(`The provided HTTP redirect code (${code}) is not valid. Valid codes are 3XX except 300.`);
  }
  if (r.replaceKeyPrefixWith !== undefined && r.replaceKeyWith !== undefined) {
    throw invalidRequest('You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
  }
}

function validateRule(rule: WebsiteRoutingRule): void {
  const c = rule.condition;
  if (c !== undefined) {
    if (c.keyPrefixEquals === undefined && c.httpErrorCodeReturnedEquals === undefined) {
      throw invalidRequest("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.");
    }
    if (c.httpErrorCodeReturnedEquals !== undefined) {
      const code = statusCode(c.httpErrorCodeReturnedEquals);
      if (code < 400 || code >= 600) throw invalidRequest(`The provided HTTP error code (${code}) is not valid. Valid codes are 4XX or 5XX.`);
    }
  }
  if ((rule.redirect === undefined) === (rule.serveKey === undefined)) {
    throw malformedXml('A RoutingRule needs a Redirect (or the Cairn extension x-cairn-ServeKey), not both');
  }
  if (rule.redirect) validateRedirect(rule.redirect);
  if (rule.serveKey !== undefined) {
    if (rule.serveKey === '') throw invalidArgument('x-cairn-ServeKey must name a key', 'x-cairn-ServeKey', '');
    const code = c?.httpErrorCodeReturnedEquals !== undefined ? Number(c.httpErrorCodeReturnedEquals.trim()) : undefined;
    if (code === undefined || code >= 500) {
      throw invalidArgument('x-cairn-ServeKey needs a Condition with a 4XX HttpErrorCodeReturnedEquals', 'x-cairn-ServeKey', rule.serveKey);
    }
  }
}

/** Throws S3's error for a configuration S3 would refuse. */
export function validateWebsiteConfiguration(w: WebsiteConfiguration): void {
  if (w.redirectAllRequestsTo !== undefined) {
    if (w.indexDocument !== undefined || w.errorDocument !== undefined || w.routingRules !== undefined) {
      throw invalidArgument('RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.', 'RedirectAllRequestsTo', 'not null');
    }
    if (!w.redirectAllRequestsTo.hostName || w.redirectAllRequestsTo.hostName.trim() === '') {
      throw invalidRequest('A host name must be provided to redirect all requests (e.g. "example.com").');
    }
    checkProtocol(w.redirectAllRequestsTo.protocol);
    return;
  }
  if (w.indexDocument === undefined) {
    throw invalidArgument('A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty', 'IndexDocument', 'null');
  }
  if (w.indexDocument === '' || w.indexDocument.includes('/')) {
    throw invalidArgument('The IndexDocument Suffix is not well formed', 'IndexDocument', w.indexDocument);
  }
  if (w.errorDocument !== undefined && w.errorDocument === '') {
    throw invalidArgument('The ErrorDocument Key is not well formed', 'ErrorDocument', '');
  }
  if (w.routingRules !== undefined) {
    if (w.routingRules.length === 0) throw malformedXml();
    if (w.routingRules.length > MAX_ROUTING_RULES) {
      throw invalidRequest(`${w.routingRules.length} routing rules provided, the number of routing rules in a website configuration is limited to 50.`);
    }
    for (const r of w.routingRules) validateRule(r);
  }
}

/** A deep copy holding only the known fields (what is stored and returned). */
export function copyWebsiteConfiguration(w: WebsiteConfiguration): WebsiteConfiguration {
  const out: WebsiteConfiguration = {};
  if (w.redirectAllRequestsTo) {
    out.redirectAllRequestsTo = { hostName: w.redirectAllRequestsTo.hostName };
    if (w.redirectAllRequestsTo.protocol !== undefined) out.redirectAllRequestsTo.protocol = w.redirectAllRequestsTo.protocol;
  }
  if (w.indexDocument !== undefined) out.indexDocument = w.indexDocument;
  if (w.errorDocument !== undefined) out.errorDocument = w.errorDocument;
  if (w.routingRules) {
    out.routingRules = w.routingRules.map((r) => {
      const rule: WebsiteRoutingRule = {};
      if (r.condition) rule.condition = pick(r.condition, ['keyPrefixEquals', 'httpErrorCodeReturnedEquals']);
      if (r.redirect) rule.redirect = pick(r.redirect, ['hostName', 'protocol', 'httpRedirectCode', 'replaceKeyPrefixWith', 'replaceKeyWith']);
      if (r.serveKey !== undefined) rule.serveKey = r.serveKey;
      return rule;
    });
  }
  return out;
}

function pick<T extends object>(o: T, fields: (keyof T)[]): T {
  const out = {} as T;
  for (const f of fields) if (o[f] !== undefined) out[f] = o[f];
  return out;
}
