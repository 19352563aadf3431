/**
 * Bucket notification configuration: the shapes, S3's validation of
 * PutBucketNotificationConfiguration, and which configuration an event matches. Pure (no I/O).
 *
 * Destinations are ARNs naming targets the server was configured with (`--notify-target`); the
 * engine only checks that an ARN is present: whether it names a known target is the server's
 * check (it knows the targets), done before the engine stores the configuration.
 *
 * Validation (as S3): event names from S3's list (unknown ones, and types Cairn never emits such
 * as s3:ObjectRestore:*, → InvalidArgument); Filter S3Key rules named prefix / suffix
 * (case-insensitive), at most one of each, values at most 1024 bytes; IDs at most 255
 * characters, unique (generated when absent); and no two configurations may share an event type
 * (s3:ObjectCreated:* shares with s3:ObjectCreated:Put) while their prefixes overlap (one starts
 * the other; none = "") and their suffixes overlap (one ends the other) — S3 could not tell
 * which one applies.
 */
import { randomBytes } from 'node:crypto';
import { S3Error } from '../errors';
import type { FeedEventName } from '../feed/events';

export type NotificationDestinationKind = 'topic' | 'queue' | 'cloudFunction';

export interface NotificationRule {
  id: string;
  kind: NotificationDestinationKind;
  /** TopicArn / QueueArn / CloudFunctionArn as sent. */
  arn: string;
  /** S3 event types with the `s3:` prefix (`s3:ObjectCreated:*`, ...), as sent. */
  events: string[];
  filter?: { prefix?: string; suffix?: string };
}

export interface NotificationConfiguration {
  rules: NotificationRule[];
}

/** Event types Cairn emits and a configuration may name. */
export const SUPPORTED_NOTIFICATION_EVENTS: readonly string[] = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
];

const MAX_ID_LENGTH = 255;
const MAX_FILTER_VALUE_BYTES = 1024;

const invalid = (message: string, fields?: Record<string, string>) => new S3Error('InvalidArgument', message, fields);

/** The configuration event `configEvent` (with `s3:`, maybe `:*`) covers feed event `name`. */
export function eventMatches(configEvent: string, name: FeedEventName | string): boolean {
  const e = configEvent.startsWith('s3:') ? configEvent.slice(3) : configEvent;
  if (e.endsWith(':*')) return name.startsWith(e.slice(0, -1));
  return e === name;
}

/** Two configuration event types share at least one concrete event. */
function eventsShare(a: string, b: string): boolean {
  const base = (s: string) => (s.endsWith(':*') ? s.slice(0, -1) : s);
  if (a.endsWith(':*') || b.endsWith(':*')) return base(a).startsWith(base(b)) || base(b).startsWith(base(a));
  return a === b;
}

export function ruleMatchesKey(rule: NotificationRule, key: string): boolean {
  const f = rule.filter;
  if (!f) return true;
  return (f.prefix === undefined || key.startsWith(f.prefix)) && (f.suffix === undefined || key.endsWith(f.suffix));
}

/** The rules of `config` an event of type `name` on `key` is delivered for. */
export function matchingRules(config: NotificationConfiguration | undefined, name: string, key: string): NotificationRule[] {
  if (!config) return [];
  return config.rules.filter((r) => r.events.some((e) => eventMatches(e, name)) && ruleMatchesKey(r, key));
}

const overlapPrefix = (a = '', b = '') => a.startsWith(b) || b.startsWith(a);
const overlapSuffix = (a = '', b = '') => a.endsWith(b) || b.endsWith(a);

/** Checks `config` with S3's rules; returns a copy with generated IDs filled in. */
export function validateNotificationConfiguration(config: NotificationConfiguration): NotificationConfiguration {
  const rules: NotificationRule[] = [];
  const ids = new Set<string>();
  for (const r of config.rules) {
    if (typeof r.arn !== 'string' || r.arn === '') throw invalid('A destination ARN is required', { ArgumentName: r.kind });
    if (!r.events.length) throw invalid('At least one event must be specified', { ArgumentName: 'Event' });
    for (const e of r.events) {
      if (!SUPPORTED_NOTIFICATION_EVENTS.includes(e))
        throw invalid('The event is not supported for notifications', { ArgumentName: 'Event', ArgumentValue: e });
    }
    const id = r.id === undefined || r.id === '' ? randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 32) : r.id;
    if (id.length > MAX_ID_LENGTH) throw invalid(`The ID must be at most ${MAX_ID_LENGTH} characters`, { ArgumentName: 'Id', ArgumentValue: id });
    if (ids.has(id)) throw invalid('Same ID used for multiple configurations. IDs must be unique', { ArgumentName: 'Id', ArgumentValue: id });
    ids.add(id);
    for (const v of [r.filter?.prefix, r.filter?.suffix]) {
      if (v !== undefined && Buffer.byteLength(v) > MAX_FILTER_VALUE_BYTES)
        throw invalid('The filter rule value cannot be longer than 1024 bytes', { ArgumentName: 'FilterRule', ArgumentValue: v });
    }
    const copy: NotificationRule = { id, kind: r.kind, arn: r.arn, events: [...new Set(r.events)] };
    if (r.filter && (r.filter.prefix !== undefined || r.filter.suffix !== undefined)) {
      copy.filter = {};
      if (r.filter.prefix !== undefined) copy.filter.prefix = r.filter.prefix;
      if (r.filter.suffix !== undefined) copy.filter.suffix = r.filter.suffix;
    }
    rules.push(copy);
  }
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i];
      const b = rules[j];
      const shared = a.events.some((x) => b.events.some((y) => eventsShare(x, y)));
      if (shared && overlapPrefix(a.filter?.prefix, b.filter?.prefix) && overlapSuffix(a.filter?.suffix, b.filter?.suffix)) {
        throw invalid(
          'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
        );
      }
    }
  }
  return { rules };
}

/**
 * The target an ARN names: `arn:aws:{sns|sqs|lambda}:<region>:cairn:NAME` (lambda also
 * `...:cairn:function:NAME`); undefined when the ARN has another form. The region must be the
 * server's (or empty).
 */
export function notificationTargetOf(arn: string, kind: NotificationDestinationKind, region: string): string | undefined {
  const service = kind === 'topic' ? 'sns' : kind === 'queue' ? 'sqs' : 'lambda';
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[1] !== 'aws' || parts[2] !== service || parts[4] !== 'cairn') return undefined;
  if (parts[3] !== '' && parts[3] !== region) return undefined;
  const rest = parts.slice(5);
  if (kind === 'cloudFunction' && rest.length === 2 && rest[0] === 'function') return rest[1] || undefined;
  return rest.length === 1 && rest[0] ? rest[0] : undefined;
}
