/**
 * `<NotificationConfiguration>`: PutBucketNotificationConfiguration body and
 * GetBucketNotificationConfiguration response. TopicConfiguration / QueueConfiguration /
 * CloudFunctionConfiguration with Id, the destination ARN, Event (repeated) and
 * Filter/S3Key/FilterRule (Name prefix | suffix, case-insensitive; returned as `Prefix` /
 * `Suffix`, as S3 does). The codec checks the document's shape and the filter rules (S3 answers
 * those with InvalidArgument); the engine (notifications/rules.ts) validates the rest.
 */
import type { NotificationConfiguration, NotificationDestinationKind, NotificationRule } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, children, childText, parseXml, type XmlElement, type XmlObject } from './codec';

const KINDS: { kind: NotificationDestinationKind; element: string; arn: string }[] = [
  { kind: 'topic', element: 'TopicConfiguration', arn: 'Topic' },
  { kind: 'queue', element: 'QueueConfiguration', arn: 'Queue' },
  { kind: 'cloudFunction', element: 'CloudFunctionConfiguration', arn: 'CloudFunction' },
];

const local = (k: string) => (k.includes(':') ? k.slice(k.indexOf(':') + 1) : k);

function only(el: XmlElement, allowed: string[]): void {
  for (const k of Object.keys(el)) if (k !== '_' && k !== '$' && !allowed.includes(local(k))) throw s3Error('MalformedXML');
}

function parseFilter(f: XmlElement): NotificationRule['filter'] {
  only(f, ['S3Key']);
  const key = child(f, 'S3Key');
  const out: NonNullable<NotificationRule['filter']> = {};
  if (!key) return out;
  only(key, ['FilterRule']);
  for (const r of children(key, 'FilterRule')) {
    only(r, ['Name', 'Value']);
    const name = (childText(r, 'Name') ?? '').toLowerCase();
    const value = childText(r, 'Value') ?? '';
    if (name !== 'prefix' && name !== 'suffix')
      throw s3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', {
        ArgumentName: 'FilterRule',
        ArgumentValue: childText(r, 'Name') ?? '',
      });
    if (out[name] !== undefined)
      throw s3Error('InvalidArgument', `Cannot specify more than one ${name} rule in a filter.`, { ArgumentName: 'FilterRule', ArgumentValue: name });
    out[name] = value;
  }
  return out;
}

export async function parseNotificationConfiguration(body: Buffer): Promise<NotificationConfiguration> {
  const root = await parseXml(body, 'NotificationConfiguration');
  for (const k of Object.keys(root)) {
    if (k === '_' || k === '$') continue;
    const name = local(k);
    if (name === 'EventBridgeConfiguration')
      throw s3Error('InvalidArgument', 'EventBridgeConfiguration is not supported by this server', { ArgumentName: 'EventBridgeConfiguration' });
    if (!KINDS.some((x) => x.element === name)) throw s3Error('MalformedXML');
  }
  const rules: NotificationRule[] = [];
  for (const { kind, element, arn } of KINDS) {
    for (const c of children(root, element)) {
      only(c, ['Id', arn, 'Event', 'Filter']);
      const dest = childText(c, arn);
      if (dest === undefined) throw s3Error('MalformedXML');
      const rule: NotificationRule = { id: childText(c, 'Id') ?? '', kind, arn: dest.trim(), events: children(c, 'Event').map((e) => (e._ ?? '').trim()) };
      const f = child(c, 'Filter');
      if (f) {
        const filter = parseFilter(f);
        if (filter && (filter.prefix !== undefined || filter.suffix !== undefined)) rule.filter = filter;
      }
      rules.push(rule);
    }
  }
  return { rules };
}

export function renderNotificationConfiguration(cfg: NotificationConfiguration): string {
  const body: XmlObject = {};
  for (const { kind, element, arn } of KINDS) {
    const list = cfg.rules.filter((r) => r.kind === kind);
    if (!list.length) continue;
    body[element] = list.map((r) => {
      const filterRules: XmlObject[] = [];
      if (r.filter?.prefix !== undefined) filterRules.push({ Name: 'Prefix', Value: r.filter.prefix });
      if (r.filter?.suffix !== undefined) filterRules.push({ Name: 'Suffix', Value: r.filter.suffix });
      return {
        Id: r.id,
        [arn]: r.arn,
        Event: r.events,
        Filter: filterRules.length ? { S3Key: { FilterRule: filterRules } } : undefined,
      };
    });
  }
  return buildXml('NotificationConfiguration', body, { xmlns: true });
}
