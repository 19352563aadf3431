/**
 * An MQTT target: publishes each message on `topic` (QoS `qos`, default 1: delivered once the
 * broker's PUBACK arrives). The client reconnects on its own every second; while it is not
 * connected, sends fail at once (the worker backs off) rather than queueing in memory.
 */
import mqtt from 'mqtt';
import type { NotificationTarget } from './target';
import { redactUrl } from './target';

const TIMEOUT_MS = 10_000;

export function mqttTarget(name: string, url: URL): NotificationTarget {
  const topic = url.searchParams.get('topic') ?? '';
  const qosParam = Number(url.searchParams.get('qos') ?? '1');
  const qos = (qosParam === 0 || qosParam === 2 ? qosParam : 1) as 0 | 1 | 2;
  const connectUrl = new URL(url.href);
  for (const p of ['topic', 'qos']) connectUrl.searchParams.delete(p);
  let client: mqtt.MqttClient | undefined;

  const connected = async (): Promise<mqtt.MqttClient> => {
    if (!client) {
      client = mqtt.connect(connectUrl.href, {
        reconnectPeriod: 1000,
        connectTimeout: TIMEOUT_MS,
        clientId: `cairn-${name}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      });
      client.on('error', () => undefined);
      const c = client;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000); // first connect: give it a moment, then report failure
        c.once('connect', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (!client.connected) throw new Error(`mqtt ${name}: not connected to ${redactUrl(connectUrl)}`);
    return client;
  };

  return {
    name,
    displayUrl: redactUrl(url),
    async send(message) {
      const c = await connected();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.publishAsync(topic, message, { qos }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`mqtt ${name}: no PUBACK within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.endAsync(true).catch(() => undefined);
    },
  };
}
