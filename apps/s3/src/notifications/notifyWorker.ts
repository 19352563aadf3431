/**
 * The notification worker of one target (`notify:<target>`): a change-feed consumer of the same
 * name that turns each event matching a bucket's notification configuration for this target into
 * S3's event message (eventRecord.ts) and sends it.
 *
 * Delivery is at least once and in order per key: a batch of events is read from the feed; the
 * events of one key are sent one after the other, different keys concurrently; the feed cursor
 * is acknowledged only up to the last event before the first failure, and only after the target
 * took everything up to it. A server killed with SIGKILL therefore resends what it had sent but
 * not acknowledged (a duplicate, never a loss); within one process, messages already taken are
 * remembered and not resent on a retry.
 *
 * A failure ends the pass; the next one starts after an exponential backoff (retryBaseMs doubling
 * up to retryMaxMs). A target that stays down holds the feed back until the feed's backlog limit
 * (feedMaxEvents): then the oldest events are dropped, the consumer is flagged overflowed and its
 * `droppedEvents` counter grows (engine feed.ts); this worker logs one line per overflow,
 * counts it as an error in its status, and carries on with the events still kept. Notifications
 * for dropped events are lost (S3 itself promises no more).
 *
 * The bucket's configuration is read when the event is delivered, not when it happened: a rule
 * removed meanwhile sends nothing. Events of a bucket deleted (or re-created) meanwhile are
 * skipped.
 */
import { matchingRules, notificationTargetOf, type FeedEvent, type NotificationBucket, type PassContext, type Worker } from '@cairn/engine';
import { eventRecord } from './eventRecord';
import type { NotificationTarget } from './target';

export const NOTIFY_WORKER_PREFIX = 'notify:';
export const notifyWorkerName = (target: string): string => `${NOTIFY_WORKER_PREFIX}${target}`;

export interface NotifyWorkerOptions {
  /** The server's region (awsRegion; ARNs name it). */
  region: string;
  /** Feed events read per batch (default 500). */
  batchSize?: number;
  /** Keys sent to concurrently (default 16). */
  concurrency?: number;
  /** First retry delay after a failure (default 200 ms), doubled per failure up to retryMaxMs (default 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Delay between passes while nothing fails (new events are picked up this fast; default 100 ms). */
  pollMs?: number;
  log?: (msg: string) => void;
}

interface Message {
  /** seq:configurationId — what was already sent within this process. */
  id: string;
  seq: number;
  body: string;
}

export class NotifyWorker implements Worker {
  readonly name: string;
  private failures = 0;
  private registered = false;
  private readonly sent = new Set<string>();
  private overflowReportedAt: number | undefined;

  constructor(
    readonly target: NotificationTarget,
    private readonly opts: NotifyWorkerOptions,
  ) {
    this.name = notifyWorkerName(target.name);
  }

  nextDelayMs(): number {
    if (this.failures === 0) return this.opts.pollMs ?? 100;
    return Math.min(this.opts.retryMaxMs ?? 30_000, (this.opts.retryBaseMs ?? 200) * 2 ** (this.failures - 1));
  }

  async runPass(ctx: PassContext): Promise<void> {
    const api = ctx.api;
    if (!this.registered) {
      await api.registerFeedConsumer(this.name, { enabled: true });
      this.registered = true;
    }
    const limit = this.opts.batchSize ?? 500;
    for (;;) {
      if (ctx.shouldStop()) return;
      const r = await api.readFeed(this.name, { limit });
      if (r.overflowed && this.overflowReportedAt !== r.cursor) {
        this.overflowReportedAt = r.cursor;
        const msg = `${this.name}: the change feed's backlog limit was reached while ${this.target.displayUrl} was not taking events: older events were dropped and their notifications are lost (feed consumer ${this.name}: droppedEvents)`;
        this.opts.log?.(msg);
        await ctx.progress({ errors: 1, lastError: msg });
      }
      if (!r.events.length) {
        if (r.overflowed) await api.ackFeed(this.name, r.cursor); // seen: clears the flag
        this.failures = 0;
        return;
      }
      const messages = await this.messagesFor(ctx, r.events);
      const { delivered, failedSeq, lastError } = await this.deliver(messages);
      const last = r.events[r.events.length - 1].seq;
      const ackUpTo = failedSeq === undefined ? last : failedSeq - 1;
      if (ackUpTo > r.cursor || r.overflowed) await api.ackFeed(this.name, Math.max(ackUpTo, r.cursor));
      for (const id of this.sent) if (Number(id.slice(0, id.indexOf(':'))) <= ackUpTo) this.sent.delete(id);
      await ctx.progress({
        scanned: failedSeq === undefined ? r.events.length : r.events.filter((e) => e.seq < failedSeq).length,
        acted: delivered,
        errors: failedSeq === undefined ? 0 : 1,
        lastError,
      });
      if (failedSeq !== undefined) {
        this.failures++;
        return;
      }
      this.failures = 0;
      if (r.events.length < limit) return;
    }
  }

  /** The messages of a batch for this target, grouped by key in feed order. */
  private async messagesFor(ctx: PassContext, events: FeedEvent[]): Promise<Message[][]> {
    const buckets = new Map<string, NotificationBucket | undefined>();
    const groups = new Map<string, Message[]>();
    for (const e of events) {
      if (e.bucket === undefined) continue;
      if (!buckets.has(e.bucket)) buckets.set(e.bucket, await ctx.api.notificationBucket(e.bucket));
      const b = buckets.get(e.bucket);
      if (!b || b.id !== e.bucketId || !b.config) continue;
      for (const rule of matchingRules(b.config, e.event, e.key)) {
        if (notificationTargetOf(rule.arn, rule.kind, this.opts.region) !== this.target.name) continue;
        const gk = `${e.bucketId}\0${e.key}`;
        let g = groups.get(gk);
        if (!g) groups.set(gk, (g = []));
        g.push({ id: `${e.seq}:${rule.id}`, seq: e.seq, body: JSON.stringify({ Records: [eventRecord(e, rule, b, this.opts.region)] }) });
      }
    }
    return [...groups.values()];
  }

  /** Sends every group (each in order); returns the lowest seq that failed, if any. */
  private async deliver(groups: Message[][]): Promise<{ delivered: number; failedSeq?: number; lastError?: string }> {
    let delivered = 0;
    let failedSeq: number | undefined;
    let lastError: string | undefined;
    let next = 0;
    const run = async () => {
      for (let g = groups[next++]; g; g = groups[next++]) {
        for (const m of g) {
          if (failedSeq !== undefined && m.seq > failedSeq) break; // not acknowledged anyway
          if (this.sent.has(m.id)) continue;
          try {
            await this.target.send(m.body);
            this.sent.add(m.id);
            delivered++;
          } catch (e) {
            lastError = `${this.target.name}: ${(e as Error)?.message ?? String(e)}`;
            if (failedSeq === undefined || m.seq < failedSeq) failedSeq = m.seq;
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(groups.length, this.opts.concurrency ?? 16) }, run));
    return { delivered, failedSeq, lastError };
  }
}
