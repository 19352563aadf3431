/**
 * Bucket notifications through the real server and a real webhook receiver (node http):
 * Put/GetBucketNotificationConfiguration and S3's validation, the event message per event type,
 * filters, order per key, a target down then up, and the feed's backlog limit.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type NotificationConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';
import { multipartBody, multipartContentType, signPostV4 } from './helpers/postForm';
import { byKey, startWebhookReceiver, type ReceivedRecord, type WebhookReceiver } from './helpers/webhookReceiver';

const ARN = (name: string, service = 'sns') => `arn:aws:${service}:us-east-1:cairn:${name}`;
const FAST = { retryBaseMs: 20, retryMaxMs: 200, pollMs: 20 };

let hook: WebhookReceiver;
let other: WebhookReceiver;
let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  other = await startWebhookReceiver();
  t = await startTestServer({
    notifyTargets: [
      { name: 'hook', url: hook.url },
      { name: 'other', url: other.url },
    ],
    notify: FAST,
  });
  s3 = t.client();
});
afterAll(async () => {
  await t.stop();
  await hook.stop();
  await other.stop();
});
beforeEach(() => {
  hook.records.length = 0;
  other.records.length = 0;
  hook.status = 200;
});

async function put(bucket: string, cfg: NotificationConfiguration): Promise<void> {
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: cfg }));
}

async function expectInvalid(bucket: string, cfg: NotificationConfiguration, message: RegExp): Promise<void> {
  const e = await put(bucket, cfg).then(
    () => undefined,
    (err: { name: string; message: string; $metadata: { httpStatusCode: number } }) => err,
  );
  expect(e).toBeDefined();
  expect(e!.name).toBe('InvalidArgument');
  expect(e!.$metadata.httpStatusCode).toBe(400);
  expect(e!.message).toMatch(message);
}

async function settle(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe('Put/GetBucketNotificationConfiguration', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ncfg' }));
  });

  test('empty by default; a configuration round-trips; an empty one removes it', async () => {
    const none = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'ncfg' }));
    expect(none.TopicConfigurations ?? []).toEqual([]);
    await put('ncfg', {
      TopicConfigurations: [
        {
          Id: 'topic-1',
          TopicArn: ARN('hook'),
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'img/' },
                { Name: 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
      ],
      QueueConfigurations: [{ Id: 'queue-1', QueueArn: ARN('other', 'sqs'), Events: ['s3:ObjectRemoved:Delete', 's3:ObjectTagging:*'] }],
      LambdaFunctionConfigurations: [{ LambdaFunctionArn: `arn:aws:lambda:us-east-1:cairn:function:hook`, Events: ['s3:ObjectAcl:Put'] }],
    });
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'ncfg' }));
    expect(got.TopicConfigurations).toEqual([
      {
        Id: 'topic-1',
        TopicArn: ARN('hook'),
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'Prefix', Value: 'img/' },
              { Name: 'Suffix', Value: '.jpg' },
            ],
          },
        },
      },
    ]);
    expect(got.QueueConfigurations).toEqual([{ Id: 'queue-1', QueueArn: ARN('other', 'sqs'), Events: ['s3:ObjectRemoved:Delete', 's3:ObjectTagging:*'] }]);
    expect(got.LambdaFunctionConfigurations).toHaveLength(1);
    expect(got.LambdaFunctionConfigurations![0].Id).toMatch(/^[A-Za-z0-9]{8,}$/); // generated
    await put('ncfg', {});
    const cleared = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'ncfg' }));
    expect(cleared.TopicConfigurations ?? []).toEqual([]);
    expect(cleared.QueueConfigurations ?? []).toEqual([]);
  });

  test("S3's validation: destinations, events, filters, overlaps, ids", async () => {
    await expectInvalid(
      'ncfg',
      { TopicConfigurations: [{ TopicArn: ARN('nosuch'), Events: ['s3:ObjectCreated:*'] }] },
      /^Unable to validate the following destination configurations$/,
    );
    await expectInvalid(
      'ncfg',
      { TopicConfigurations: [{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:hook', Events: ['s3:ObjectCreated:*'] }] },
      /Unable to validate/,
    );
    await expectInvalid('ncfg', { QueueConfigurations: [{ QueueArn: ARN('hook', 'sns'), Events: ['s3:ObjectCreated:*'] }] }, /Unable to validate/); // sns ARN as a queue
    await expectInvalid('ncfg', { TopicConfigurations: [{ TopicArn: ARN('hook'), Events: ['s3:ObjectRestore:*'] }] }, /event is not supported/);
    await expectInvalid('ncfg', { TopicConfigurations: [{ TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:Nope' as never] }] }, /event is not supported/);
    await expectInvalid(
      'ncfg',
      {
        TopicConfigurations: [
          { TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'middle' as never, Value: 'x' }] } } },
        ],
      },
      /prefix or suffix/,
    );
    await expectInvalid(
      'ncfg',
      {
        TopicConfigurations: [
          {
            TopicArn: ARN('hook'),
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'prefix', Value: 'a' },
                  { Name: 'prefix', Value: 'b' },
                ],
              },
            },
          },
        ],
      },
      /more than one prefix/,
    );
    // Overlaps for a shared event type: no filter vs a prefix; suffixes jpg / pg; ObjectCreated:* vs :Put.
    await expectInvalid(
      'ncfg',
      {
        TopicConfigurations: [
          { TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*'] },
          { TopicArn: ARN('other'), Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images' }] } } },
        ],
      },
      /overlapping/,
    );
    await expectInvalid(
      'ncfg',
      {
        TopicConfigurations: [
          { TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: 'jpg' }] } } },
          { TopicArn: ARN('other'), Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: 'pg' }] } } },
        ],
      },
      /overlapping/,
    );
    await expectInvalid(
      'ncfg',
      {
        TopicConfigurations: [
          { Id: 'same', TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:Put'] },
          { Id: 'same', TopicArn: ARN('other'), Events: ['s3:ObjectRemoved:*'] },
        ],
      },
      /IDs must be unique/,
    );
    // Not overlapping: same prefix with distinct suffixes; the same filter for different event types.
    await put('ncfg', {
      TopicConfigurations: [
        {
          TopicArn: ARN('hook'),
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'images' },
                { Name: 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
        {
          TopicArn: ARN('other'),
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'images' },
                { Name: 'suffix', Value: '.png' },
              ],
            },
          },
        },
        {
          TopicArn: ARN('other'),
          Events: ['s3:ObjectRemoved:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'images' },
                { Name: 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
      ],
    });
    // Nothing stored by the refused attempts.
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'ncfg' }));
    expect(got.TopicConfigurations).toHaveLength(3);
  });
});

describe('event messages', () => {
  test('one per event type, in S3 shape', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'nev' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'nev', VersioningConfiguration: { Status: 'Enabled' } }));
    await put('nev', {
      TopicConfigurations: [
        { Id: 'all', TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectTagging:*', 's3:ObjectAcl:Put'] },
      ],
    });
    const key = 'dir/a b+c~ü.txt';
    const p = await s3.send(new PutObjectCommand({ Bucket: 'nev', Key: key, Body: 'hello' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'nev', Key: 'copy', CopySource: `nev/${encodeURIComponent(key)}` }));
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'nev', Key: 'multi' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'nev', Key: 'multi', UploadId: mp.UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'nev',
        Key: 'multi',
        UploadId: mp.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'nev', Key: key, Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: 'nev', Key: key }));
    await s3.send(new PutObjectAclCommand({ Bucket: 'nev', Key: key, ACL: 'public-read' }));
    const dm = await s3.send(new DeleteObjectCommand({ Bucket: 'nev', Key: key }));
    await s3.send(
      new DeleteObjectCommand({
        Bucket: 'nev',
        Key: 'copy',
        VersionId: (await s3.send(new PutObjectCommand({ Bucket: 'nev', Key: 'copy', Body: 'x' }))).VersionId,
      }),
    );
    await hook.waitFor(9);
    await settle();
    // Keys are delivered concurrently: the feed (commit) order is the sequencer's.
    const recs = [...hook.records].sort((a, b) => a.s3.object.sequencer.localeCompare(b.s3.object.sequencer));
    expect(recs.map((r) => r.eventName)).toEqual([
      'ObjectCreated:Put',
      'ObjectCreated:Copy',
      'ObjectCreated:CompleteMultipartUpload',
      'ObjectTagging:Put',
      'ObjectTagging:Delete',
      'ObjectAcl:Put',
      'ObjectRemoved:DeleteMarkerCreated',
      'ObjectCreated:Put',
      'ObjectRemoved:Delete',
    ]);
    const [put1] = recs;
    expect(put1).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.any(String) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': p.$metadata.requestId, 'x-amz-id-2': p.$metadata.extendedRequestId },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'all',
        bucket: { name: 'nev', ownerIdentity: { principalId: expect.any(String) }, arn: 'arn:aws:s3:::nev' },
        object: {
          key: 'dir/a+b%2Bc%7E%C3%BC.txt',
          size: 5,
          eTag: p.ETag!.replace(/"/g, ''),
          versionId: p.VersionId,
          sequencer: expect.stringMatching(/^[0-9A-F]{16}$/),
        },
      },
    });
    expect(Object.keys(put1.s3.object)).toEqual(['key', 'size', 'eTag', 'versionId', 'sequencer']);
    const marker = recs.find((r) => r.eventName === 'ObjectRemoved:DeleteMarkerCreated')!;
    expect(marker.s3.object).toEqual({ key: 'dir/a+b%2Bc%7E%C3%BC.txt', versionId: dm.VersionId, sequencer: expect.any(String) });
    const removed = recs.find((r) => r.eventName === 'ObjectRemoved:Delete')!;
    expect(removed.s3.object.size).toBeUndefined();
    expect(removed.s3.object.eTag).toBeUndefined();
    // Sequencers of one key increase.
    const ofKey = recs.filter((r) => r.s3.object.key === put1.s3.object.key).map((r) => r.s3.object.sequencer);
    expect([...ofKey].sort()).toEqual(ofKey);
    expect(new Set(ofKey).size).toBe(ofKey.length);
  });

  test('unversioned buckets carry no versionId; filters and event types select; each target gets its own', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'nflt' }));
    await put('nflt', {
      TopicConfigurations: [
        {
          Id: 'jpg',
          TopicArn: ARN('hook'),
          Events: ['s3:ObjectCreated:Put'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'img/' },
                { Name: 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
      ],
      QueueConfigurations: [{ Id: 'gone', QueueArn: ARN('other', 'sqs'), Events: ['s3:ObjectRemoved:*'] }],
    });
    for (const k of ['img/a.jpg', 'img/b.png', 'doc/c.jpg', 'img/d.jpg']) await s3.send(new PutObjectCommand({ Bucket: 'nflt', Key: k, Body: k }));
    await s3.send(new CopyObjectCommand({ Bucket: 'nflt', Key: 'img/e.jpg', CopySource: 'nflt/img/a.jpg' })); // Copy: not selected
    await s3.send(new DeleteObjectCommand({ Bucket: 'nflt', Key: 'img/a.jpg' }));
    await hook.waitFor(2);
    await other.waitFor(1);
    await settle();
    expect(hook.records.map((r) => [r.eventName, r.s3.object.key, r.s3.configurationId])).toEqual([
      ['ObjectCreated:Put', 'img/a.jpg', 'jpg'],
      ['ObjectCreated:Put', 'img/d.jpg', 'jpg'],
    ]);
    expect(hook.records[0].s3.object.versionId).toBeUndefined();
    expect(other.records.map((r) => [r.eventName, r.s3.object.key, r.s3.configurationId])).toEqual([['ObjectRemoved:Delete', 'img/a.jpg', 'gone']]);
  });
});

test('a browser-form POST upload is ObjectCreated:Post', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'npost' }));
  await put('npost', { TopicConfigurations: [{ Id: 'p', TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:Post'] }] });
  await s3.send(new PutObjectCommand({ Bucket: 'npost', Key: 'not-a-post', Body: 'x' })); // Put: not selected
  const signed = signPostV4('npost', [['key', 'posted.txt']], [['eq', '$key', 'posted.txt']]);
  const res = await fetch(`${t.endpoint}/npost`, {
    method: 'POST',
    headers: { 'Content-Type': multipartContentType() },
    body: multipartBody(signed.fields, { filename: 'f', content: 'posted' }),
  });
  expect(res.status).toBe(204);
  const [rec] = await hook.waitFor(1);
  await settle();
  expect(hook.records).toHaveLength(1);
  expect(rec.eventName).toBe('ObjectCreated:Post');
  expect(rec.s3.object).toMatchObject({ key: 'posted.txt', size: 6 });
});

describe('delivery', () => {
  test('in order per key under concurrent writes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'nord' }));
    await put('nord', { TopicConfigurations: [{ Id: 'o', TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*'] }] });
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const N = 20;
    const etags = new Map<string, string[]>();
    await Promise.all(
      keys.map(async (k) => {
        for (let i = 0; i < N; i++) {
          const r = await s3.send(new PutObjectCommand({ Bucket: 'nord', Key: k, Body: `${k}-${i}` }));
          if (!etags.has(k)) etags.set(k, []);
          etags.get(k)!.push(r.ETag!.replace(/"/g, ''));
        }
      }),
    );
    await hook.waitFor(keys.length * N);
    for (const [k, list] of byKey(hook.records)) {
      expect(list.map((r) => r.s3.object.eTag)).toEqual(etags.get(k)); // commit order = arrival order
      const seqs = list.map((r) => r.s3.object.sequencer);
      expect([...seqs].sort()).toEqual(seqs);
    }
  });

  test('a target that is down gets everything, in order, once it is back; the backlog is visible meanwhile', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ndown' }));
    await put('ndown', { TopicConfigurations: [{ Id: 'd', TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] });
    hook.status = 503;
    for (let i = 0; i < 10; i++) await s3.send(new PutObjectCommand({ Bucket: 'ndown', Key: `k${i % 3}`, Body: String(i) }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'ndown', Key: 'k0' }));
    // Refused, retried with backoff, and the backlog shows in the feed, the worker status and /metrics.
    for (let i = 0; hook.refused < 3 && i < 100; i++) await settle(50);
    expect(hook.refused).toBeGreaterThanOrEqual(3);
    const feed = await t.server.engine.feedStatus();
    const consumer = feed.consumers.find((c) => c.name === 'notify:hook')!;
    expect(consumer.backlog).toBeGreaterThanOrEqual(11);
    expect(consumer.oldestAgeMs).toBeGreaterThan(0);
    const status = (await t.server.engine.workerStatus()).find((s) => s.worker === 'notify:hook')!;
    expect(status.errors).toBeGreaterThan(0);
    expect(status.lastError).toMatch(/hook answered 503/);
    const metrics = await t.server.metrics.render();
    const backlogLine = metrics.split('\n').find((l) => l.startsWith('cairn_worker_backlog{worker="notify:hook"}'));
    expect(Number(backlogLine!.split(' ')[1])).toBeGreaterThanOrEqual(11);
    // Back up: everything arrives, in commit order per key (the k0 delete last for k0).
    hook.status = 200;
    const recs = await hook.waitFor(11);
    const k0 = byKey(recs).get('k0')!;
    expect(k0.map((r) => r.eventName)).toEqual(['ObjectCreated:Put', 'ObjectCreated:Put', 'ObjectCreated:Put', 'ObjectCreated:Put', 'ObjectRemoved:Delete']);
    await settle();
    expect(recs).toHaveLength(11); // nothing sent twice within one process
    for (let i = 0; i < 50 && (await t.server.engine.feedStatus()).consumers.find((c) => c.name === 'notify:hook')!.backlog > 0; i++) await settle(50);
    expect((await t.server.engine.feedStatus()).consumers.find((c) => c.name === 'notify:hook')!.backlog).toBe(0);
  });

  test('a target that is unreachable (connection refused) then returns on the same port', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'nrefused' }));
    await put('nrefused', { TopicConfigurations: [{ Id: 'r', TopicArn: ARN('hook'), Events: ['s3:ObjectCreated:*'] }] });
    await hook.stop();
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: 'nrefused', Key: `r${i}`, Body: 'x' }));
    await settle(400);
    const status = (await t.server.engine.workerStatus()).find((s) => s.worker === 'notify:hook')!;
    expect(status.lastError).toMatch(/ECONNREFUSED/);
    await hook.start();
    const recs = await hook.waitFor(5);
    expect(recs.map((r) => r.s3.object.key)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });
});

describe('backlog limit', () => {
  test('a target down past the feed limit: the oldest events are dropped, counted and reported; the rest are delivered', async () => {
    const down = await startWebhookReceiver();
    down.status = 503;
    const logs: string[] = [];
    const s = await startTestServer({ notifyTargets: [{ name: 'slow', url: down.url }], notify: { ...FAST, log: (m) => logs.push(m) }, feedMaxEvents: 20 });
    try {
      const c = s.client();
      await c.send(new CreateBucketCommand({ Bucket: 'nlimit' }));
      await c.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'nlimit',
          NotificationConfiguration: { TopicConfigurations: [{ Id: 'l', TopicArn: ARN('slow'), Events: ['s3:ObjectCreated:*'] }] },
        }),
      );
      for (let i = 0; i < 50; i++) await c.send(new PutObjectCommand({ Bucket: 'nlimit', Key: `o${String(i).padStart(2, '0')}`, Body: 'x' }));
      await s.server.engine.maintainFeed();
      const feed = await s.server.engine.feedStatus();
      expect(feed.size).toBeLessThanOrEqual(20);
      const consumer = feed.consumers.find((x) => x.name === 'notify:slow')!;
      expect(consumer.overflows).toBeGreaterThanOrEqual(1);
      expect(consumer.droppedEvents).toBeGreaterThanOrEqual(30);
      for (let i = 0; i < 100 && !logs.some((l) => l.includes('backlog limit')); i++) await settle(30);
      expect(logs.join('\n')).toMatch(/notify:slow: the change feed's backlog limit was reached .* notifications are lost/);
      expect((await s.server.engine.workerStatus()).find((x) => x.worker === 'notify:slow')!.errors).toBeGreaterThan(0);
      down.status = 200;
      await settle(600);
      const keys = down.records.map((r: ReceivedRecord) => r.s3.object.key);
      // What was kept arrives, in order; the first 30 were dropped.
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.length).toBeLessThanOrEqual(20);
      expect(keys).toEqual([...keys].sort());
      expect(keys[keys.length - 1]).toBe('o49');
      expect(keys).not.toContain('o00');
      expect(50 - consumer.droppedEvents!).toBeGreaterThanOrEqual(keys.length);
    } finally {
      await s.stop();
      await down.stop();
    }
  });
});
