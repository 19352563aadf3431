/**
 * The replication worker of one peer zone (`replication:<peer>`): consumes the change feed
 * (consumer `replication:<peer>`) in order and sends every version this zone created that a
 * rule covers (PENDING, not yet acknowledged by that peer) to the peer's ReplicateObject /
 * ReplicateDelete path, then records the peer's answer (x-amz-replication-status).
 *
 * Delivery: events are handled strictly in feed order (so versions of one key arrive in
 * order), and the feed cursor is acknowledged only after the peer acknowledged (or refused for
 * good) every event up to it: a source killed at any point resends from its cursor, and the
 * peer's putReplica is idempotent by version id, so nothing appears twice. A peer that is down
 * (or answers 5xx / throttles) is retried with exponential backoff (100 ms doubling up to 5 s)
 * without skipping: the backlog waits in the feed. Replicas (`replica` events) are never sent:
 * that is what keeps two-way rules from looping.
 *
 * In-process only (it streams object bodies out of the engine): it runs under the worker
 * runtime's lease `worker/replication:<peer>` like any other worker.
 */
import type { Engine, FeedEvent, PassContext, Worker } from '@cairn/engine';
import { replicationRuleFor } from '@cairn/engine';
import { PeerClient, PeerError } from './peerClient';
import type { Peer } from './peers';

export const replicationWorkerName = (peer: string): string => `replication:${peer}`;

const REPLICATED_EVENTS = new Set([
  'ObjectCreated:Put',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
  'ObjectRemoved:DeleteMarkerCreated',
  'Replication:Resync',
]);
const BATCH = 100;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5000;
const IDLE_WAIT_MS = 1000;

/** Whether this event may need sending to `peer` (before looking at the version itself). */
export function isReplicationCandidate(ev: FeedEvent, peer: string): boolean {
  if (ev.replica || !REPLICATED_EVENTS.has(ev.event) || !ev.bucket || !ev.versionId || ev.versionId === 'null') return false;
  return ev.event !== 'Replication:Resync' || ev.peer === peer;
}

export interface ReplicationWorkerOptions {
  /** Every peer zone's name (COMPLETED needs all of them). */
  allPeers: string[];
  /** The server's region (the peer's signing region unless the peer names one). */
  region: string;
  log?: (msg: string) => void;
  /** An overflowed feed (events dropped before this peer read them): re-queue by comparing listings. */
  onOverflow?: () => Promise<void>;
}

export class ReplicationWorker implements Worker {
  readonly name: string;
  readonly consumer: string;
  readonly client: PeerClient;
  /** Counters since start (admin API). */
  readonly stats = { sent: 0, alreadyThere: 0, failed: 0, retries: 0, lastError: undefined as string | undefined, lastSentAt: undefined as number | undefined };
  private wake: (() => void) | undefined;
  /** New feed events since the last read (closes the gap between an empty read and the wait). */
  private signalled = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: Engine,
    readonly peer: Peer,
    private readonly opts: ReplicationWorkerOptions,
  ) {
    this.name = replicationWorkerName(peer.name);
    this.consumer = this.name;
    this.client = new PeerClient(peer, opts.region);
    this.unsubscribe = engine.onFeedAppend(() => {
      this.signalled = true;
      this.wake?.();
    });
  }

  close(): void {
    this.unsubscribe();
    this.wake?.();
    this.client.close();
  }

  nextDelayMs(): number {
    return 0; // a pass runs until the runner stops it; a failed one is retried by the runtime
  }

  /** Waits `ms`, or less when the runner stops (or, if `wakeOnEvents`, when new events arrive). */
  private sleep(ms: number, ctx: PassContext, wakeOnEvents = false): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        clearInterval(poll);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      // shouldStop is a flag: look at it often so close() is prompt.
      const poll = setInterval(() => ctx.shouldStop() && done(), 100);
      if (wakeOnEvents) this.wake = done;
    });
  }

  async runPass(ctx: PassContext): Promise<void> {
    await this.engine.registerFeedConsumer(this.consumer); // idempotent: keeps the cursor
    while (!ctx.shouldStop()) {
      this.signalled = false;
      const r = await this.engine.readFeed(this.consumer, { limit: BATCH });
      if (r.overflowed) {
        this.opts.log?.(`${this.name}: the change feed dropped events before they were sent; re-queueing by comparing listings`);
        await this.opts.onOverflow?.();
        if (!r.events.length) await this.engine.ackFeed(this.consumer, r.cursor);
      }
      if (!r.events.length) {
        if (!this.signalled) await this.sleep(IDLE_WAIT_MS, ctx, true);
        continue;
      }
      let done: number | undefined;
      let acted = 0;
      for (const ev of r.events) {
        const ok = await this.deliver(ev, ctx);
        if (!ok) break; // stopping: this event stays unacknowledged
        if (ok === 'sent') acted++;
        done = ev.seq;
      }
      if (done !== undefined) await this.engine.ackFeed(this.consumer, done);
      await ctx.progress({ scanned: r.events.length, acted });
    }
  }

  /** Handles one event until it is done ('sent' / 'skipped'); false when the runner stops first. */
  private async deliver(ev: FeedEvent, ctx: PassContext): Promise<'sent' | 'skipped' | false> {
    if (!isReplicationCandidate(ev, this.peer.name)) return 'skipped';
    let backoff = BACKOFF_START_MS;
    for (;;) {
      if (ctx.shouldStop()) return false;
      try {
        return await this.sendOnce(ev);
      } catch (e) {
        if (e instanceof PeerError && !e.transient) {
          this.stats.failed++;
          this.stats.lastError = e.message;
          await this.engine.recordReplicationResult(ev.bucket!, ev.key, ev.versionId!, this.peer.name, false, this.opts.allPeers);
          await ctx.progress({ errors: 1, lastError: e.message });
          return 'skipped';
        }
        this.stats.retries++;
        this.stats.lastError = (e as Error)?.message ?? String(e);
        if (backoff === BACKOFF_START_MS) await ctx.progress({ errors: 1, lastError: this.stats.lastError });
        await this.sleep(backoff, ctx);
        backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      }
    }
  }

  private async sendOnce(ev: FeedEvent): Promise<'sent' | 'skipped'> {
    const bucket = ev.bucket!;
    const gone = (e: { code?: string }) => {
      if (e?.code === 'NoSuchBucket') return undefined;
      throw e;
    };
    // From the bucket cache: events of buckets without a configuration cost no read.
    const cfg = await this.engine.getBucketReplication(bucket).catch(gone);
    if (!cfg) return 'skipped';
    const src = await this.engine.replicationSource(bucket, ev.key, ev.versionId!).catch(gone);
    // Gone, a replica, never covered by a rule, or this peer has it already (a resend after a crash).
    if (!src || src.replicationStatus === undefined || src.replicationStatus === 'REPLICA' || src.replicatedTo?.includes(this.peer.name)) return 'skipped';
    if (src.replicationStatus === 'COMPLETED') return 'skipped';
    const rule = replicationRuleFor(cfg, { key: ev.key, tags: src.tags, deleteMarker: src.deleteMarker });
    if (!rule) {
      await this.engine.recordReplicationResult(bucket, ev.key, src.versionId, this.peer.name, false, this.opts.allPeers);
      return 'skipped';
    }
    const { replicationStatus: _s, replicatedTo: _t, owner: _o, ...version } = src;
    let body;
    if (!src.deleteMarker) body = (await this.engine.getObject(bucket, ev.key, { versionId: src.versionId })).body;
    try {
      const r = await this.client.putReplica(rule.destinationBucket, ev.key, version, body);
      if (r.created) this.stats.sent++;
      else this.stats.alreadyThere++;
      this.stats.lastSentAt = Date.now();
    } finally {
      body?.destroy();
    }
    await this.engine.recordReplicationResult(bucket, ev.key, src.versionId, this.peer.name, true, this.opts.allPeers);
    return 'sent';
  }
}
