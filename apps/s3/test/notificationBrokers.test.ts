/**
 * Bucket notifications to real brokers: a private RabbitMQ (AMQP 0.9.1 exchange + routing key)
 * and a private mosquitto (MQTT topic), both started here (helpers/brokers.ts) and stopped
 * afterwards. Includes a broker that goes down and comes back: nothing is lost, order per key.
 */
import * as amqp from 'amqplib';
import mqtt from 'mqtt';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { requireClient } from './clients/clientEnv';
import { MOSQUITTO_BIN, RABBITMQ_FOUND, startMosquitto, startRabbitMq, type Broker } from './helpers/brokers';
import { startTestServer, type TestServer } from './helpers/server';
import { byKey, type ReceivedRecord } from './helpers/webhookReceiver';

jest.setTimeout(180_000);
const FAST = { retryBaseMs: 50, retryMaxMs: 500, pollMs: 20 };

async function configure(s3: S3Client, bucket: string, target: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [{ Id: `to-${target}`, QueueArn: `arn:aws:sqs:us-east-1:cairn:${target}`, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
}

async function putMany(s3: S3Client, bucket: string, keys: string[], n: number): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(
    keys.map(async (k) => {
      out.set(k, []);
      for (let i = 0; i < n; i++)
        out.get(k)!.push((await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: `${k}:${i}` }))).ETag!.replace(/"/g, ''));
    }),
  );
  return out;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function expectInOrder(records: ReceivedRecord[], expected: Map<string, string[]>): void {
  const got = byKey(records);
  for (const [k, etags] of expected) {
    const seen: string[] = [];
    for (const r of got.get(k) ?? []) if (!seen.includes(r.s3.object.eTag!)) seen.push(r.s3.object.eTag!);
    expect(seen).toEqual(etags);
  }
}

describe('RabbitMQ (AMQP 0.9.1)', () => {
  if (!requireClient('RabbitMQ (rabbitmq-server)', RABBITMQ_FOUND, 'apt-get install rabbitmq-server')) return;
  let broker: Broker;
  let t: TestServer;
  let conn: amqp.ChannelModel;
  const received: ReceivedRecord[] = [];
  const headers: { contentType?: string; deliveryMode?: number; routingKey: string }[] = [];

  beforeAll(async () => {
    broker = await startRabbitMq();
    conn = await amqp.connect(broker.url);
    const ch = await conn.createChannel();
    await ch.assertExchange('cairn-events', 'topic', { durable: true });
    const q = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(q.queue, 'cairn-events', 's3.#');
    await ch.consume(
      q.queue,
      (m) => {
        if (!m) return;
        headers.push({ contentType: m.properties.contentType, deliveryMode: m.properties.deliveryMode, routingKey: m.fields.routingKey });
        received.push(...(JSON.parse(m.content.toString('utf8')) as { Records: ReceivedRecord[] }).Records);
      },
      { noAck: true },
    );
    t = await startTestServer({
      notifyTargets: [{ name: 'rabbit', url: `${broker.url}?exchange=cairn-events&routing-key=s3.created&exchange-type=topic` }],
      notify: FAST,
    });
  });
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await t?.stop();
    await broker?.destroy();
  });

  test('events are published to the exchange with the routing key, persistent JSON, in order per key', async () => {
    const s3 = t.client();
    await configure(s3, 'rabbit-bucket', 'rabbit');
    const expected = await putMany(s3, 'rabbit-bucket', ['a', 'b', 'c'], 20);
    await until(() => received.length >= 60, 30_000, '60 AMQP messages');
    expect(received[0]).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { configurationId: 'to-rabbit', bucket: { name: 'rabbit-bucket' } },
    });
    expect(headers[0]).toEqual({ contentType: 'application/json', deliveryMode: 2, routingKey: 's3.created' });
    expectInOrder(received, expected);
  });
});

describe('mosquitto (MQTT)', () => {
  if (!requireClient('mosquitto (MQTT broker)', MOSQUITTO_BIN !== undefined, 'apt-get install mosquitto')) return;
  let broker: Broker;
  let t: TestServer;
  let sub: mqtt.MqttClient;
  const received: ReceivedRecord[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    // A persistent session (clean: false) with QoS 1: what the broker queued while we were away arrives on reconnect.
    sub = await mqtt.connectAsync(broker.url, { clientId: `cairn-test-sub-${process.pid}`, clean: false, reconnectPeriod: 200 });
    await sub.subscribeAsync('cairn/events', { qos: 1 });
    sub.on('message', (_topic, payload) => received.push(...(JSON.parse(payload.toString('utf8')) as { Records: ReceivedRecord[] }).Records));
    t = await startTestServer({ notifyTargets: [{ name: 'mosq', url: `${broker.url}?topic=cairn/events` }], notify: FAST });
  });
  afterAll(async () => {
    await sub?.endAsync(true).catch(() => undefined);
    await t?.stop();
    await broker?.destroy();
  });

  test('events are published on the topic, in order per key', async () => {
    const s3 = t.client();
    await configure(s3, 'mqtt-bucket', 'mosq');
    const expected = await putMany(s3, 'mqtt-bucket', ['x', 'y'], 15);
    await until(() => received.length >= 30, 30_000, '30 MQTT messages');
    expect(received[0]).toMatchObject({
      eventVersion: '2.1',
      eventName: 'ObjectCreated:Put',
      s3: { configurationId: 'to-mosq', bucket: { name: 'mqtt-bucket' } },
    });
    expectInOrder(received, expected);
  });

  test('the broker goes down and comes back: everything written meanwhile arrives, in order per key', async () => {
    const s3 = t.client();
    await configure(s3, 'mqtt-down', 'mosq');
    received.length = 0;
    await broker.stop();
    const expected = await putMany(s3, 'mqtt-down', ['p', 'q'], 10);
    await new Promise((r) => setTimeout(r, 500));
    const status = (await t.server.engine.workerStatus()).find((s) => s.worker === 'notify:mosq')!;
    expect(status.lastError).toMatch(/not connected|ECONNREFUSED|PUBACK/);
    expect((await t.server.engine.feedStatus()).consumers.find((c) => c.name === 'notify:mosq')!.backlog).toBeGreaterThanOrEqual(20);
    await broker.start();
    await until(() => new Set(received.map((r) => r.s3.object.sequencer)).size >= 20, 30_000, '20 MQTT messages after the restart');
    expectInOrder(received, expected);
  });
});
