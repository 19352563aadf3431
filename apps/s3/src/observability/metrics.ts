/**
 * Prometheus metrics (prom-client), served by the admin port's `GET /metrics`.
 *
 * Request families are fed from the same per-request record as the access log (observeRequest);
 * store and bucket gauges are read from the engine's counters at scrape time (O(buckets), no
 * object scan); GC families from Engine.onGcRun; worker families from registered sources
 * (registerWorkerMetricsSource), so the lifecycle / replication / notification workers only
 * have to report `{worker, backlog, oldestSeconds, errors}`.
 *
 * Labels are bounded: operation (S3 operation names), status, error code, worker, and bucket
 * (at most `maxBuckets` by size, the rest summed as bucket="_other" — no bucket name can start
 * with "_"). Never a key, user or access key.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BucketUsage, EngineApi, GcRunReport } from '@cairn/engine';

/** One worker's queue as its runtime reports it (worker = "lifecycle", "replication:<peer>", "notification:<target>", ...). */
export interface WorkerMetricsSample {
  worker: string;
  /** Items waiting. */
  backlog: number;
  /** Age of the oldest waiting item (0 when none). */
  oldestSeconds: number;
  /** Errors since the process started (monotonic). */
  errors: number;
}
export type WorkerMetricsSource = () => WorkerMetricsSample[] | Promise<WorkerMetricsSample[]>;

/** What one finished request contributes (a subset of the access-log line). */
export interface RequestObservation {
  operation?: string;
  status: number;
  error?: string;
  bytesIn?: number;
  bytesOut?: number;
  /** Whole request, milliseconds. */
  ms: number;
  /** Until the response head was written, milliseconds (absent when none was). */
  ttfbMs?: number;
}

export interface MetricsOptions {
  /** Buckets given their own cairn_bucket_* series (largest first); default 100. */
  maxBuckets?: number;
  /** prom-client's process_* / nodejs_* metrics; default true. */
  defaultMetrics?: boolean;
}

export const OTHER_BUCKETS = '_other';
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

type GcObservable = { onGcRun?: (l: (r: GcRunReport) => void) => () => void };

export class CairnMetrics {
  readonly registry = new Registry();
  readonly maxBuckets: number;
  private readonly workerSources = new Set<WorkerMetricsSource>();
  private readonly unsubscribeGc?: () => void;

  private readonly requests: Counter<'operation' | 'status'>;
  private readonly duration: Histogram<'operation'>;
  private readonly ttfb: Histogram<'operation'>;
  private readonly received: Counter<'operation'>;
  private readonly sent: Counter<'operation'>;
  private readonly errors: Counter<'operation' | 'code'>;
  private readonly gcRuns: Counter<'result'>;
  private readonly gcChunks: Counter;
  private readonly gcBytes: Counter;
  private readonly gcLastDuration: Gauge;
  private readonly gcLastRun: Gauge;

  constructor(
    private readonly engine: EngineApi & GcObservable,
    o: MetricsOptions = {},
  ) {
    this.maxBuckets = o.maxBuckets ?? 100;
    const registers = [this.registry];
    if (o.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: 'cairn_s3_requests_total',
      help: 'S3 requests by operation and HTTP status',
      labelNames: ['operation', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'cairn_s3_request_duration_seconds',
      help: 'S3 request duration, from the request head to the last byte of the response',
      labelNames: ['operation'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.ttfb = new Histogram({
      name: 'cairn_s3_request_ttfb_seconds',
      help: 'S3 time to first byte: from the request head until the response head was written',
      labelNames: ['operation'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.received = new Counter({
      name: 'cairn_s3_received_bytes_total',
      help: 'Request body bytes received (Content-Length as sent on the wire)',
      labelNames: ['operation'],
      registers,
    });
    this.sent = new Counter({
      name: 'cairn_s3_sent_bytes_total',
      help: 'Response body bytes sent (Content-Length of completed responses)',
      labelNames: ['operation'],
      registers,
    });
    this.errors = new Counter({
      name: 'cairn_s3_errors_total',
      help: 'S3 error responses by operation and S3 error code',
      labelNames: ['operation', 'code'],
      registers,
    });

    const store = (name: string, help: string, pick: (u: Awaited<ReturnType<EngineApi['usage']>>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect: async function (this: Gauge) {
          this.set(pick(await engine.usage()));
        },
      });
    store('cairn_store_logical_bytes', 'Sum of object sizes as clients see them (every version)', (u) => u.logicalBytes);
    store('cairn_store_physical_bytes', 'Bytes stored: distinct chunks plus inline bodies (logical / physical = dedup ratio)', (u) => u.physicalBytes);
    store('cairn_store_objects', 'Objects (every version and delete marker counted)', (u) => u.objects);
    store('cairn_store_chunks', 'Distinct chunk files', (u) => u.chunks);
    store('cairn_store_buckets', 'Buckets', (u) => u.buckets);

    // collect() runs with `this` bound to the metric: reach the instance through these.
    const bucketRows = (all: BucketUsage[]) => this.bucketRows(all);
    const workers = () => this.workers();
    const bucketGauge = (name: string, help: string, pick: (r: BucketUsage) => number) =>
      new Gauge({
        name,
        help: `${help} (the largest ${this.maxBuckets} buckets; the rest summed as bucket="${OTHER_BUCKETS}")`,
        labelNames: ['bucket'],
        registers,
        collect: async function (this: Gauge<'bucket'>) {
          this.reset();
          for (const r of bucketRows(await engine.bucketUsage())) this.set({ bucket: r.name }, pick(r));
        },
      });
    bucketGauge('cairn_bucket_objects', 'Objects per bucket (every version counted)', (r) => r.objects);
    bucketGauge('cairn_bucket_bytes', 'Logical bytes per bucket', (r) => r.logicalBytes);

    this.gcRuns = new Counter({ name: 'cairn_gc_runs_total', help: 'Garbage-collection runs by result (ok, error)', labelNames: ['result'], registers });
    this.gcChunks = new Counter({ name: 'cairn_gc_chunks_removed_total', help: 'Unreferenced chunk files removed by GC', registers });
    this.gcBytes = new Counter({ name: 'cairn_gc_bytes_removed_total', help: 'Bytes of chunk files removed by GC', registers });
    this.gcLastDuration = new Gauge({ name: 'cairn_gc_last_run_duration_seconds', help: 'Duration of the last GC run', registers });
    this.gcLastRun = new Gauge({ name: 'cairn_gc_last_run_timestamp_seconds', help: 'When the last GC run ended (Unix time)', registers });
    this.gcRuns.inc({ result: 'ok' }, 0);
    this.gcRuns.inc({ result: 'error' }, 0);
    if (typeof engine.onGcRun === 'function') this.unsubscribeGc = engine.onGcRun((r) => this.recordGcRun(r));

    const workerGauge = (name: string, help: string, pick: (s: WorkerMetricsSample) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['worker'],
        registers,
        collect: async function (this: Gauge<'worker'>) {
          this.reset();
          for (const s of await workers()) this.set({ worker: s.worker }, pick(s));
        },
      });
    workerGauge('cairn_worker_backlog', 'Items waiting in a background worker queue', (s) => s.backlog);
    workerGauge('cairn_worker_oldest_seconds', 'Age of the oldest waiting item of a worker queue', (s) => s.oldestSeconds);
    new Counter({
      name: 'cairn_worker_errors_total',
      help: 'Errors of a background worker since the process started',
      labelNames: ['worker'],
      registers,
      collect: async function (this: Counter<'worker'>) {
        this.reset();
        for (const s of await workers()) this.inc({ worker: s.worker }, s.errors);
      },
    });
  }

  /** Count one finished S3 request (called with the access-log record, logged or not). */
  observeRequest(r: RequestObservation): void {
    const operation = r.operation ?? 'none';
    this.requests.inc({ operation, status: String(r.status) });
    this.duration.observe({ operation }, r.ms / 1000);
    if (r.ttfbMs !== undefined) this.ttfb.observe({ operation }, r.ttfbMs / 1000);
    if (r.bytesIn && r.bytesIn > 0) this.received.inc({ operation }, r.bytesIn);
    if (r.bytesOut && r.bytesOut > 0) this.sent.inc({ operation }, r.bytesOut);
    if (r.error) this.errors.inc({ operation, code: r.error });
  }

  recordGcRun(r: GcRunReport): void {
    this.gcRuns.inc({ result: r.error === undefined ? 'ok' : 'error' });
    if (r.result) {
      this.gcChunks.inc(r.result.chunksRemoved);
      this.gcBytes.inc(r.result.bytesRemoved);
    }
    this.gcLastDuration.set(r.durationMs / 1000);
    this.gcLastRun.set(Date.now() / 1000);
  }

  /** Adds a worker queue reporter (the lifecycle / replication / notification runtimes). Returns a remover. */
  registerWorkerMetricsSource(source: WorkerMetricsSource): () => void {
    this.workerSources.add(source);
    return () => this.workerSources.delete(source);
  }

  /** Every registered source's samples (a failing source is skipped: a scrape must not fail). */
  async workers(): Promise<WorkerMetricsSample[]> {
    const out: WorkerMetricsSample[] = [];
    for (const src of this.workerSources) {
      try {
        out.push(...(await src()));
      } catch {
        // skipped
      }
    }
    return out.sort((a, b) => (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.unsubscribeGc?.();
  }

  private bucketRows(all: BucketUsage[]): BucketUsage[] {
    const sorted = [...all].sort((a, b) => b.logicalBytes - a.logicalBytes || (a.name < b.name ? -1 : 1));
    const kept = sorted.slice(0, this.maxBuckets);
    const rest = sorted.slice(this.maxBuckets);
    if (rest.length)
      kept.push({
        name: OTHER_BUCKETS,
        owner: '',
        objects: rest.reduce((s, b) => s + b.objects, 0),
        logicalBytes: rest.reduce((s, b) => s + b.logicalBytes, 0),
      });
    return kept;
  }
}
