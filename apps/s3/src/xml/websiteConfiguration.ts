/**
 * `<WebsiteConfiguration>`: PutBucketWebsite request body and GetBucketWebsite response.
 * Structure problems (a missing Suffix / Key / HostName / Redirect element, an empty
 * RoutingRules, a repeated element) are MalformedXML here; the rules S3 checks on values are the
 * engine's (website.ts), so an embedder gets the same answers.
 *
 * Cairn extension: a RoutingRule may hold `<x-cairn-ServeKey>KEY</x-cairn-ServeKey>` instead of
 * `<Redirect>` (single-page-app fallback: the key is served with 200 when the rule's error-code
 * condition matches). SDKs ignore the element; it is returned as stored.
 */
import type { WebsiteConfiguration, WebsiteRoutingRule } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, children, childText, parseXml, type XmlElement, type XmlObject } from './codec';

export const SERVE_KEY_ELEMENT = 'x-cairn-ServeKey';

function required(el: XmlElement | undefined, name: string): string {
  const v = childText(el, name);
  if (v === undefined) throw s3Error('MalformedXML');
  return v;
}

/** Fields of `el` named in `names`, as strings, only those present. */
function fields<K extends string>(el: XmlElement, names: Record<K, string>): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [field, element] of Object.entries(names) as [K, string][]) {
    const v = childText(el, element);
    if (v !== undefined) out[field] = v;
  }
  return out;
}

function parseRule(r: XmlElement): WebsiteRoutingRule {
  const rule: WebsiteRoutingRule = {};
  const condition = child(r, 'Condition');
  if (condition) rule.condition = fields(condition, { keyPrefixEquals: 'KeyPrefixEquals', httpErrorCodeReturnedEquals: 'HttpErrorCodeReturnedEquals' });
  const redirect = child(r, 'Redirect');
  if (redirect) {
    rule.redirect = fields(redirect, {
      hostName: 'HostName',
      protocol: 'Protocol',
      httpRedirectCode: 'HttpRedirectCode',
      replaceKeyPrefixWith: 'ReplaceKeyPrefixWith',
      replaceKeyWith: 'ReplaceKeyWith',
    });
  }
  const serveKey = childText(r, SERVE_KEY_ELEMENT);
  if (serveKey !== undefined) rule.serveKey = serveKey;
  if (!redirect && serveKey === undefined) throw s3Error('MalformedXML');
  return rule;
}

export async function parseWebsiteConfiguration(body: Buffer): Promise<WebsiteConfiguration> {
  const root = await parseXml(body, 'WebsiteConfiguration');
  const config: WebsiteConfiguration = {};
  const all = child(root, 'RedirectAllRequestsTo');
  if (all) {
    config.redirectAllRequestsTo = { hostName: required(all, 'HostName') };
    const protocol = childText(all, 'Protocol');
    if (protocol !== undefined) config.redirectAllRequestsTo.protocol = protocol;
  }
  const index = child(root, 'IndexDocument');
  if (index) config.indexDocument = required(index, 'Suffix');
  const error = child(root, 'ErrorDocument');
  if (error) config.errorDocument = required(error, 'Key');
  const rules = child(root, 'RoutingRules');
  if (rules) {
    const list = children(rules, 'RoutingRule');
    if (list.length === 0) throw s3Error('MalformedXML');
    config.routingRules = list.map(parseRule);
  }
  return config;
}

export function renderWebsiteConfiguration(c: WebsiteConfiguration): string {
  const body: XmlObject = {
    RedirectAllRequestsTo: c.redirectAllRequestsTo && { HostName: c.redirectAllRequestsTo.hostName, Protocol: c.redirectAllRequestsTo.protocol },
    IndexDocument: c.indexDocument !== undefined ? { Suffix: c.indexDocument } : undefined,
    ErrorDocument: c.errorDocument !== undefined ? { Key: c.errorDocument } : undefined,
    RoutingRules: c.routingRules && {
      RoutingRule: c.routingRules.map((r) => ({
        Condition: r.condition && { HttpErrorCodeReturnedEquals: r.condition.httpErrorCodeReturnedEquals, KeyPrefixEquals: r.condition.keyPrefixEquals },
        Redirect: r.redirect && {
          HostName: r.redirect.hostName,
          HttpRedirectCode: r.redirect.httpRedirectCode,
          Protocol: r.redirect.protocol,
          ReplaceKeyPrefixWith: r.redirect.replaceKeyPrefixWith,
          ReplaceKeyWith: r.redirect.replaceKeyWith,
        },
        [SERVE_KEY_ELEMENT]: r.serveKey,
      })),
    },
  };
  return buildXml('WebsiteConfiguration', body, { xmlns: true });
}
