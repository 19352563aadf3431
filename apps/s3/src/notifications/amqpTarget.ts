/**
 * An AMQP 0.9.1 target (RabbitMQ, ...): publishes each message persistent, with
 * content-type application/json, on a confirm channel, and counts it delivered when the broker
 * confirms it. `exchange-type=T` in the URL declares the exchange (durable) before the first
 * publish; without it the exchange must exist (the default exchange "" routes by queue name).
 * A lost connection or channel (broker down, unknown exchange) fails the sends in flight and is
 * reopened on the next send.
 */
import * as amqp from 'amqplib';
import type { NotificationTarget } from './target';
import { redactUrl } from './target';

const TIMEOUT_MS = 10_000;

interface Open {
  conn: amqp.ChannelModel;
  ch: amqp.ConfirmChannel;
}

export function amqpTarget(name: string, url: URL): NotificationTarget {
  const exchange = url.searchParams.get('exchange') ?? '';
  const routingKey = url.searchParams.get('routing-key') ?? '';
  const exchangeType = url.searchParams.get('exchange-type') ?? undefined;
  const connectUrl = new URL(url.href);
  for (const p of ['exchange', 'routing-key', 'exchange-type']) connectUrl.searchParams.delete(p);
  let open: Promise<Open> | undefined;

  const reset = (o?: Promise<Open>) => {
    if (o && open !== o) return;
    const cur = open;
    open = undefined;
    cur?.then((x) => x.conn.close()).catch(() => undefined);
  };

  const connect = (): Promise<Open> => {
    if (open) return open;
    const p: Promise<Open> = (async () => {
      const conn = await amqp.connect(connectUrl.href, { timeout: TIMEOUT_MS });
      conn.on('error', () => undefined);
      conn.on('close', () => reset(p));
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => reset(p));
      if (exchangeType && exchange) await ch.assertExchange(exchange, exchangeType, { durable: true });
      return { conn, ch };
    })();
    open = p;
    p.catch(() => reset(p));
    return p;
  };

  return {
    name,
    displayUrl: redactUrl(url),
    async send(message) {
      const { ch } = await connect();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`amqp ${name}: no confirm within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
        const onClose = () => {
          clearTimeout(timer);
          reject(new Error(`amqp ${name}: channel closed before the confirm`));
        };
        ch.once('close', onClose);
        try {
          ch.publish(exchange, routingKey, Buffer.from(message), { persistent: true, contentType: 'application/json' }, (err) => {
            clearTimeout(timer);
            ch.off('close', onClose);
            if (err) reject(err instanceof Error ? err : new Error(`amqp ${name}: message nacked`));
            else resolve();
          });
        } catch (e) {
          clearTimeout(timer);
          ch.off('close', onClose);
          reject(e as Error);
        }
      });
    },
    async close() {
      const cur = open;
      open = undefined;
      await cur?.then((x) => x.conn.close()).catch(() => undefined);
    },
  };
}
