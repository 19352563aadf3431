/**
 * This server as a zone: its peers, one replication worker per peer (run under the worker
 * runtime's leases), their backlogs (admin API GET /admin/replication, /metrics as
 * `replication:<peer>`), the destination checks of PutBucketReplication, and resync
 * (`cairn admin replication resync BUCKET`: compare the bucket's versions with each peer's
 * listing and re-queue what the peer lacks).
 */
import { WorkerRunner, type Engine, type FeedEvent } from '@cairn/engine';
import { s3Error } from '../errors';
import type { ZoneChecks } from '../context';
import type { WorkerMetricsSample } from '../observability/metrics';
import { PeerError } from './peerClient';
import type { Peer } from './peers';
import { ReplicationWorker, isReplicationCandidate } from './replicationWorker';

/** Feed events looked at per peer to size its backlog (beyond: `truncated`). */
const BACKLOG_SCAN = 10_000;

export interface PeerBacklog {
  /** Versions (and delete markers) waiting to be sent. */
  count: number;
  bytes: number;
  oldestSeconds: number;
  /** More events wait than were looked at: count / bytes are lower bounds. */
  truncated: boolean;
}

export interface ZoneOptions {
  zone: string;
  peers: Peer[];
  region: string;
  /** Run the workers in this process (default true). */
  runWorkers?: boolean;
  leaseTtlMs?: number;
  log?: (msg: string) => void;
}

export class Zones implements ZoneChecks {
  readonly workers: ReplicationWorker[] = [];
  readonly runners: WorkerRunner[] = [];

  constructor(
    private readonly engine: Engine,
    readonly opts: ZoneOptions,
  ) {
    const allPeers = opts.peers.map((p) => p.name);
    for (const peer of opts.peers) {
      const w: ReplicationWorker = new ReplicationWorker(engine, peer, {
        allPeers,
        region: opts.region,
        log: opts.log,
        onOverflow: async () => {
          for (const b of await this.replicatedBuckets())
            await this.resync(b, peer.name).catch((e: unknown) => opts.log?.(`${w.name}: resync of ${b} failed: ${(e as Error).message}`));
        },
      });
      this.workers.push(w);
    }
  }

  /** Registers each peer's feed consumer (idempotent): writes from now on are kept for it. */
  async registerConsumers(): Promise<void> {
    for (const w of this.workers) await this.engine.registerFeedConsumer(w.consumer);
  }

  /** Starts the workers (each under its lease). */
  async start(): Promise<void> {
    await this.registerConsumers();
    if (this.opts.runWorkers === false) return;
    for (const w of this.workers) {
      const r = new WorkerRunner(this.engine, w, { mode: 'in-process', leaseTtlMs: this.opts.leaseTtlMs, log: this.opts.log });
      this.runners.push(r);
      r.start();
    }
  }

  async stop(): Promise<void> {
    const stopping = Promise.all(this.runners.map((r) => r.stop()));
    // Cut a transfer in flight (a peer that hangs must not hold the shutdown): the peer commits
    // nothing of a cut body, and the event stays unacknowledged, so it is resent after restart.
    for (const w of this.workers) w.close();
    await stopping;
  }

  hasPeers(): boolean {
    return this.workers.length > 0;
  }

  private worker(peer: string): ReplicationWorker {
    const w = this.workers.find((x) => x.peer.name === peer);
    if (!w) throw s3Error('InvalidArgument', `no peer zone named ${peer}`);
    return w;
  }

  async checkDestination(bucket: string): Promise<void> {
    for (const w of this.workers) {
      let status: string | undefined;
      try {
        status = await w.client.bucketVersioning(bucket);
      } catch (e) {
        if (e instanceof PeerError && e.code === 'NoSuchBucket')
          throw s3Error('InvalidRequest', `Destination bucket must exist. (${bucket} in zone ${w.peer.name})`);
        throw s3Error('InvalidRequest', `Destination bucket ${bucket} could not be checked in zone ${w.peer.name}: ${(e as Error).message}`);
      }
      if (status !== 'Enabled') throw s3Error('InvalidRequest', `Destination bucket must have versioning enabled. (${bucket} in zone ${w.peer.name})`);
    }
  }

  /** What waits for one peer: candidate events after its cursor in buckets with a configuration. */
  async backlog(peer: string): Promise<PeerBacklog> {
    const w = this.worker(peer);
    const r = await this.engine.readFeed(w.consumer, { limit: BACKLOG_SCAN });
    const configured = new Map<string, boolean>();
    const hasConfig = async (b: string) => {
      if (!configured.has(b)) configured.set(b, !!(await this.engine.getBucketReplication(b).catch(() => undefined)));
      return configured.get(b)!;
    };
    let count = 0;
    let bytes = 0;
    let oldest: FeedEvent | undefined;
    for (const ev of r.events) {
      if (!isReplicationCandidate(ev, peer) || !(await hasConfig(ev.bucket!))) continue;
      count++;
      bytes += ev.size ?? 0;
      oldest ??= ev;
    }
    return { count, bytes, oldestSeconds: oldest ? Math.max(0, (Date.now() - oldest.time) / 1000) : 0, truncated: r.events.length >= BACKLOG_SCAN };
  }

  /** GET /admin/replication. */
  async status(): Promise<Record<string, unknown>> {
    const feed = await this.engine.feedStatus();
    const peers = [];
    for (const w of this.workers) {
      const c = feed.consumers.find((x) => x.name === w.consumer);
      peers.push({
        peer: w.peer.name,
        endpoint: w.peer.endpoint,
        worker: w.name,
        backlog: await this.backlog(w.peer.name),
        cursor: c?.cursor,
        overflowed: c?.overflowed ?? false,
        ...w.stats,
      });
    }
    return { zone: this.opts.zone, peers };
  }

  metricsSource = async (): Promise<WorkerMetricsSample[]> => {
    const out: WorkerMetricsSample[] = [];
    for (const w of this.workers) {
      const b = await this.backlog(w.peer.name);
      out.push({ worker: w.name, backlog: b.count, oldestSeconds: b.oldestSeconds, errors: w.stats.failed + w.stats.retries });
    }
    return out;
  };

  private async replicatedBuckets(): Promise<string[]> {
    const out: string[] = [];
    for (const u of await this.engine.listUsers()) {
      for (const b of (await this.engine.listBuckets(u.id)).buckets)
        if (await this.engine.getBucketReplication(b.name).catch(() => undefined)) out.push(b.name);
    }
    return out;
  }

  /**
   * Re-queues, for each peer (or just `peer`), every version of `bucket` a rule covers that
   * this zone created and the peer's destination bucket lacks (by version id). Holds the
   * peer's version ids of the bucket in memory.
   */
  async resync(bucket: string, peer?: string): Promise<{ bucket: string; peers: { peer: string; compared: number; missing: number; queued: number }[] }> {
    const cfg = await this.engine.getBucketReplication(bucket);
    if (!cfg) throw s3Error('ReplicationConfigurationNotFoundError', undefined, { BucketName: bucket });
    const dests = [...new Set(cfg.rules.filter((r) => r.status === 'Enabled').map((r) => r.destinationBucket))];
    const out = [];
    for (const w of peer ? [this.worker(peer)] : this.workers) {
      const there = new Set<string>();
      try {
        for (const d of dests) for await (const v of w.client.listVersions(d)) there.add(`${v.key}\0${v.versionId}`);
      } catch (e) {
        throw s3Error('ServiceUnavailable', `cannot list the destination in zone ${w.peer.name}: ${(e as Error).message}`);
      }
      let compared = 0;
      let missing = 0;
      let queued = 0;
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const page = await this.engine.listObjectVersions(bucket, { keyMarker, versionIdMarker, maxKeys: 1000 });
        for (const e of page.entries) {
          compared++;
          if (e.versionId === 'null' || there.has(`${e.key}\0${e.versionId}`)) continue;
          missing++;
          if (await this.engine.requeueReplication(bucket, e.key, e.versionId, w.peer.name)) queued++;
        }
        if (!page.isTruncated) break;
        keyMarker = page.nextKeyMarker;
        versionIdMarker = page.nextVersionIdMarker;
      }
      out.push({ peer: w.peer.name, compared, missing, queued });
    }
    return { bucket, peers: out };
  }
}
