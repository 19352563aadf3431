/** A target's client from its URL's scheme (kept apart from target.ts: the clients import its types). */
import { checkTargetUrl, type NotificationTarget, type NotifyTargetSpec } from './target';
import { webhookTarget } from './webhookTarget';
import { amqpTarget } from './amqpTarget';
import { mqttTarget } from './mqttTarget';

export function createTarget(spec: NotifyTargetSpec): NotificationTarget {
  const u = checkTargetUrl(spec.name, spec.url);
  if (u.protocol === 'http:' || u.protocol === 'https:') return webhookTarget(spec.name, u);
  if (u.protocol === 'amqp:' || u.protocol === 'amqps:') return amqpTarget(spec.name, u);
  return mqttTarget(spec.name, u);
}
