import { randomBytes } from 'node:crypto';
/**
 * GET /metrics on the admin port after real S3 traffic: the documented families with their
 * labels and values, bucket series capped, GC and worker families fed by their sources, no
 * per-key labels, and the optional bearer token.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rawRequest } from './helpers/rawRequest';
import { startTestServer, ROOT_KEY, type TestServer } from './helpers/server';

/** `name{labels} value` lines of one family, labels parsed. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}
const one = (text: string, name: string, labels: Record<string, string> = {}) =>
  series(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function scrape(t: TestServer, token?: string): Promise<{ status: number; type: string | null; text: string }> {
  const r = await fetch(`${t.server.adminEndpoint}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

describe('GET /metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    // No background GC here: the GC test counts runs exactly (background passes have their own test).
    t = await startTestServer({ adminPort: 0, gcIntervalMs: 0 });
    const s3 = t.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'metrics-a' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'metrics-b' }));
    for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: 'metrics-a', Key: `secret-key-name-${i}`, Body: Buffer.alloc(1000, i) }));
    await s3.send(new PutObjectCommand({ Bucket: 'metrics-b', Key: 'other', Body: Buffer.alloc(10) }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'metrics-a', Key: 'secret-key-name-0' }));
    await got.Body!.transformToByteArray();
    await expect(s3.send(new GetObjectCommand({ Bucket: 'metrics-a', Key: 'missing' }))).rejects.toThrow();
    await s3.send(new DeleteObjectCommand({ Bucket: 'metrics-a', Key: 'secret-key-name-2' }));
  });
  afterAll(() => t.stop());

  it('serves the Prometheus text format with the request families and their labels', async () => {
    const { status, type, text } = await scrape(t);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const family of [
      'cairn_s3_requests_total counter',
      'cairn_s3_request_duration_seconds histogram',
      'cairn_s3_request_ttfb_seconds histogram',
      'cairn_s3_received_bytes_total counter',
      'cairn_s3_sent_bytes_total counter',
      'cairn_s3_errors_total counter',
      'cairn_store_logical_bytes gauge',
      'cairn_store_physical_bytes gauge',
      'cairn_store_objects gauge',
      'cairn_store_chunks gauge',
      'cairn_bucket_objects gauge',
      'cairn_bucket_bytes gauge',
      'cairn_gc_runs_total counter',
      'cairn_gc_chunks_removed_total counter',
      'cairn_gc_bytes_removed_total counter',
      'cairn_worker_backlog gauge',
      'cairn_worker_oldest_seconds gauge',
      'cairn_worker_errors_total counter',
      'process_cpu_seconds_total counter',
      'nodejs_heap_size_used_bytes gauge',
    ]) {
      expect(text).toContain(`# TYPE ${family}`);
    }
    expect(one(text, 'cairn_s3_requests_total', { operation: 'PutObject', status: '200' })).toBe(4);
    expect(one(text, 'cairn_s3_requests_total', { operation: 'CreateBucket', status: '200' })).toBe(2);
    expect(one(text, 'cairn_s3_requests_total', { operation: 'GetObject', status: '404' })).toBe(1);
    expect(one(text, 'cairn_s3_requests_total', { operation: 'DeleteObject', status: '204' })).toBe(1);
    expect(one(text, 'cairn_s3_errors_total', { operation: 'GetObject', code: 'NoSuchKey' })).toBe(1);
    expect(one(text, 'cairn_s3_request_duration_seconds_count', { operation: 'PutObject' })).toBe(4);
    expect(one(text, 'cairn_s3_request_duration_seconds_bucket', { operation: 'PutObject', le: '+Inf' })).toBe(4);
    expect(one(text, 'cairn_s3_request_ttfb_seconds_count', { operation: 'GetObject' })).toBe(2);
    // The SDK sends bodies aws-chunked: at least the payload bytes arrived.
    expect(one(text, 'cairn_s3_received_bytes_total', { operation: 'PutObject' })).toBeGreaterThanOrEqual(3010);
    expect(one(text, 'cairn_s3_sent_bytes_total', { operation: 'GetObject' })).toBeGreaterThanOrEqual(1000);
    const ttfbSum = one(text, 'cairn_s3_request_ttfb_seconds_sum', { operation: 'GetObject' })!;
    const totalSum = one(text, 'cairn_s3_request_duration_seconds_sum', { operation: 'GetObject' })!;
    expect(ttfbSum).toBeGreaterThan(0);
    expect(ttfbSum).toBeLessThanOrEqual(totalSum);
  });

  it('store and bucket gauges equal the engine counters', async () => {
    const { text } = await scrape(t);
    const u = await t.server.engine.usage();
    expect(one(text, 'cairn_store_logical_bytes')).toBe(u.logicalBytes);
    expect(one(text, 'cairn_store_physical_bytes')).toBe(u.physicalBytes);
    expect(one(text, 'cairn_store_objects')).toBe(3);
    expect(one(text, 'cairn_store_chunks')).toBe(u.chunks);
    expect(one(text, 'cairn_bucket_objects', { bucket: 'metrics-a' })).toBe(2);
    expect(one(text, 'cairn_bucket_bytes', { bucket: 'metrics-a' })).toBe(2000);
    expect(one(text, 'cairn_bucket_bytes', { bucket: 'metrics-b' })).toBe(10);
  });

  it('has no per-key, per-user or per-access-key labels', async () => {
    const { text } = await scrape(t);
    const labelNames = new Set<string>();
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      for (const l of line.matchAll(/([a-z_]+)="/gi)) labelNames.add(l[1]);
    }
    expect([...labelNames].sort()).toEqual(expect.arrayContaining(['bucket', 'code', 'operation', 'status']));
    for (const n of labelNames)
      expect(['bucket', 'code', 'operation', 'status', 'le', 'worker', 'result', 'version', 'major', 'minor', 'patch', 'type', 'space', 'kind']).toContain(n);
    expect(text).not.toContain('secret-key-name');
    expect(text).not.toContain(ROOT_KEY);
    expect(text).not.toMatch(/user="/);
  });

  it('GC runs are counted from the engine (Engine.onGcRun)', async () => {
    const before = await scrape(t);
    const runs0 = one(before.text, 'cairn_gc_runs_total', { result: 'ok' })!;
    const r = await t.server.engine.gc({ graceMs: 0 });
    const { text } = await scrape(t);
    expect(one(text, 'cairn_gc_runs_total', { result: 'ok' })).toBe(runs0 + 1);
    expect(one(text, 'cairn_gc_chunks_removed_total')).toBe(r.chunksRemoved + (one(before.text, 'cairn_gc_chunks_removed_total') ?? 0));
    expect(one(text, 'cairn_gc_last_run_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('worker families come from registered sources; a failing source does not break the scrape', async () => {
    let errors = 2;
    const off = t.server.metrics.registerWorkerMetricsSource(() => [
      { worker: 'fake-lifecycle', backlog: 5, oldestSeconds: 12.5, errors },
      { worker: 'replication:peer-1', backlog: 0, oldestSeconds: 0, errors: 0 },
    ]);
    const offBad = t.server.metrics.registerWorkerMetricsSource(() => {
      throw new Error('worker runtime down');
    });
    let { text } = await scrape(t);
    expect(one(text, 'cairn_worker_backlog', { worker: 'fake-lifecycle' })).toBe(5);
    expect(one(text, 'cairn_worker_oldest_seconds', { worker: 'fake-lifecycle' })).toBe(12.5);
    expect(one(text, 'cairn_worker_errors_total', { worker: 'fake-lifecycle' })).toBe(2);
    expect(one(text, 'cairn_worker_backlog', { worker: 'replication:peer-1' })).toBe(0);
    errors = 3;
    ({ text } = await scrape(t));
    expect(one(text, 'cairn_worker_errors_total', { worker: 'fake-lifecycle' })).toBe(3);
    off();
    offBad();
    ({ text } = await scrape(t));
    expect(series(text, 'cairn_worker_backlog').map((x) => x.labels.worker)).not.toContain('fake-lifecycle');
    expect(series(text, 'cairn_worker_backlog').map((x) => x.labels.worker)).not.toContain('replication:peer-1');
  });

  it('the running lifecycle worker reports through the same families (status record + feed backlog)', async () => {
    let value: number | undefined;
    for (let i = 0; i < 50 && value === undefined; i++) {
      value = one((await scrape(t)).text, 'cairn_worker_errors_total', { worker: 'lifecycle' });
      if (value === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(value).toBe(0);
    const { text } = await scrape(t);
    expect(one(text, 'cairn_worker_backlog', { worker: 'lifecycle' })).toBeGreaterThanOrEqual(0);
  });

  it('deploy/grafana/cairn.json uses only metric names the server exposes', async () => {
    const { text } = await scrape(t);
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'deploy', 'grafana', 'cairn.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: any) => p.targets.map((x: any) => x.expr));
    const used = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b((?:cairn|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''))),
    );
    expect(used.size).toBeGreaterThan(15);
    for (const name of used) expect([name, exposed.has(name)]).toEqual([name, true]);
  });

  it('is served on the admin port only', async () => {
    const r = await rawRequest(t.endpoint, { path: '/metrics' });
    expect(r.body).not.toContain('cairn_s3_requests_total');
  });
});

describe('background GC passes are counted', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ adminPort: 0, gcIntervalMs: 100, gcGraceMs: 0 });
  });
  afterAll(() => t.stop());

  it('cairn_gc_runs_total grows while the server runs, without any explicit gc()', async () => {
    const s3 = t.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'gc-metrics' }));
    await s3.send(new PutObjectCommand({ Bucket: 'gc-metrics', Key: 'big', Body: randomBytes(2 * 1024 * 1024) })); // random: two distinct 1 MiB chunks
    await s3.send(new DeleteObjectCommand({ Bucket: 'gc-metrics', Key: 'big' }));
    let removed = 0;
    for (let i = 0; i < 60 && removed < 2 * 1024 * 1024; i++) {
      await new Promise((r) => setTimeout(r, 100));
      removed = one((await scrape(t)).text, 'cairn_gc_bytes_removed_total') ?? 0;
    }
    const { text } = await scrape(t);
    expect(one(text, 'cairn_gc_runs_total', { result: 'ok' })).toBeGreaterThanOrEqual(1); // one pass may free both chunks
    expect(removed).toBeGreaterThanOrEqual(2 * 1024 * 1024);
  });
});

describe('GET /metrics with --metrics-token and a bucket cap', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ adminPort: 0, metricsToken: 'scrape-token-123', metricsMaxBuckets: 2 });
    const s3 = t.client();
    for (const [b, n] of [
      ['cap-a', 300],
      ['cap-b', 200],
      ['cap-c', 20],
      ['cap-d', 10],
    ] as const) {
      await s3.send(new CreateBucketCommand({ Bucket: b }));
      await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: Buffer.alloc(n) }));
    }
  });
  afterAll(() => t.stop());

  it('requires the bearer token', async () => {
    const none = await scrape(t);
    expect(none.status).toBe(401);
    expect(none.text).not.toContain('cairn_');
    expect((await scrape(t, 'wrong')).status).toBe(401);
    expect((await scrape(t, 'scrape-token-123x')).status).toBe(401);
    const ok = await scrape(t, 'scrape-token-123');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('cairn_s3_requests_total');
  });

  it('gives the largest buckets their own series and sums the rest as _other', async () => {
    const { text } = await scrape(t, 'scrape-token-123');
    expect(series(text, 'cairn_bucket_bytes').map((s) => [s.labels.bucket, s.value])).toEqual([
      ['cap-a', 300],
      ['cap-b', 200],
      ['_other', 30],
    ]);
    expect(one(text, 'cairn_bucket_objects', { bucket: '_other' })).toBe(2);
  });
});
