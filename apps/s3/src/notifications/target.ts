/**
 * Notification targets: where a `--notify-target NAME=URL` sends event messages.
 *   http(s)://…                                   POST of the event JSON (a 2xx answer is delivery)
 *   amqp(s)://…?exchange=E&routing-key=K          AMQP 0.9.1 publish, persistent, broker-confirmed
 *                [&exchange-type=T]                (declares E durable of type T first)
 *   mqtt(s)://…?topic=T[&qos=0|1|2]               MQTT publish (QoS 1 by default: PUBACK is delivery)
 * `send` resolves once the target took the message and rejects otherwise; the worker retries.
 */

export interface NotificationTarget {
  readonly name: string;
  /** The URL with any password removed (for logs and the admin API). */
  readonly displayUrl: string;
  send(message: string): Promise<void>;
  close(): Promise<void>;
}

export interface NotifyTargetSpec {
  name: string;
  url: string;
}

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses `NAME=URL` (the flag's value). */
export function parseNotifyTarget(spec: string): NotifyTargetSpec {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--notify-target: expected NAME=URL, got "${spec}"`);
  const name = spec.slice(0, eq);
  const url = spec.slice(eq + 1);
  if (!NAME_RE.test(name)) throw new Error(`--notify-target: target name "${name}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  checkTargetUrl(name, url);
  return { name, url };
}

export function checkTargetUrl(name: string, url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--notify-target ${name}: not a URL: ${url}`);
  }
  if (['amqp:', 'amqps:'].includes(u.protocol) && !u.searchParams.get('exchange') && !u.searchParams.get('routing-key')) {
    throw new Error(`--notify-target ${name}: an amqp target needs ?exchange=E&routing-key=K`);
  }
  if (['mqtt:', 'mqtts:'].includes(u.protocol) && !u.searchParams.get('topic')) throw new Error(`--notify-target ${name}: an mqtt target needs ?topic=T`);
  if (!['http:', 'https:', 'amqp:', 'amqps:', 'mqtt:', 'mqtts:'].includes(u.protocol))
    throw new Error(`--notify-target ${name}: unsupported scheme ${u.protocol} (http, https, amqp, amqps, mqtt, mqtts)`);
  return u;
}

export function redactUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.password) u.password = '***';
  return u.href;
}
