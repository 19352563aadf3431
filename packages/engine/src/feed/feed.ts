/**
 * The change feed: a durable, ordered log of every committed change (events.ts), appended by
 * the commit path in the same batch as the change (commit.ts), read by consumers (workers,
 * later replication / notifications) that each hold a durable cursor R/<consumer> = the last
 * seq they acknowledged.
 *
 * Retention: `maintain()` (run every second by the engine, and after acks) deletes every event
 * all ENABLED consumers have acknowledged (with no enabled consumer, every event: nobody will
 * read it). Backlog limit: at most `maxEvents` events are kept. Beyond that the oldest are
 * dropped even though some consumer has not read them; each such consumer's cursor jumps to
 * the new oldest event, it is flagged `overflowed` (and its `overflows` counter goes up), and
 * `read` reports `overflowed: true` until it acknowledges again: it must resync by scanning
 * the store, since it missed events. Writes are never refused because a consumer is slow.
 */
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { invalidArgument } from '../errors';
import type { FeedConsumerRecord, FeedConsumerStatus, FeedEvent, FeedReadResult, FeedStatus } from './events';

export type { FeedConsumerRecord, FeedConsumerStatus, FeedReadResult, FeedStatus } from './events';

export const DEFAULT_FEED_MAX_EVENTS = 1_000_000;
/** Deletions per batch while trimming (keeps each batch, and the commit lock hold, short). */
const TRIM_BATCH = 5000;

const CONSUMER_RE = /^[A-Za-z0-9._:-]{1,128}$/;

function validateName(name: string): void {
  if (typeof name !== 'string' || !CONSUMER_RE.test(name)) throw invalidArgument(`invalid feed consumer name: ${String(name)}`);
}

export class Feed {
  constructor(
    private readonly ctx: Ctx,
    readonly maxEvents: number,
  ) {}

  private async firstSeq(): Promise<number> {
    const first = await this.ctx.db.all({ ...keys.feedRange(), limit: 1, values: false });
    return first.length ? keys.decodeFeedEventKey(first[0][0]) : this.ctx.committer.nextFeedSeq();
  }

  private async consumer(name: string): Promise<FeedConsumerRecord | undefined> {
    return this.ctx.db.getJson<FeedConsumerRecord>(keys.feedConsumerKey(name));
  }

  private async consumers(): Promise<[string, FeedConsumerRecord][]> {
    return (await this.ctx.db.all(keys.feedConsumersRange())).map(([k, v]) => [
      keys.decodeFeedConsumerKey(k),
      JSON.parse(v.toString('utf8')) as FeedConsumerRecord,
    ]);
  }

  /** Creates a consumer (reading from the next event on) or changes whether it is enabled. */
  async register(name: string, opts: { enabled?: boolean } = {}): Promise<FeedConsumerRecord> {
    validateName(name);
    return this.ctx.committer.run(async (tx) => {
      const cur = await this.consumer(name);
      const next: FeedConsumerRecord = cur
        ? { ...cur, enabled: opts.enabled ?? cur.enabled }
        : { cursor: (await this.ctx.committer.nextFeedSeq()) - 1, enabled: opts.enabled ?? true, overflows: 0, createdAt: tx.now };
      tx.put(keys.feedConsumerKey(name), next);
      return next;
    });
  }

  async unregister(name: string): Promise<void> {
    validateName(name);
    await this.ctx.committer.run((tx) => tx.del(keys.feedConsumerKey(name)));
  }

  /** Up to `limit` events after the consumer's cursor (nothing is acknowledged by reading). */
  async read(name: string, limit = 1000): Promise<FeedReadResult> {
    validateName(name);
    const c = await this.consumer(name);
    if (!c) throw invalidArgument(`no such feed consumer: ${name}`);
    await this.ctx.committer.durableNow(); // never hand on an event a power loss could still undo (group commit)
    const first = await this.firstSeq();
    const rows = await this.ctx.db.all({ gt: keys.feedEventKey(c.cursor), lt: keys.feedRange().lt, limit: Math.max(1, Math.min(limit, 10_000)) });
    const events = rows.map(([, v]) => JSON.parse(v.toString('utf8')) as FeedEvent);
    return { events, overflowed: !!c.overflowed || c.cursor + 1 < first, cursor: c.cursor };
  }

  /** Everything up to and including `seq` is handled; clears the overflowed flag. */
  async ack(name: string, seq: number): Promise<void> {
    validateName(name);
    await this.ctx.committer.run(async (tx) => {
      const c = await this.consumer(name);
      if (!c) throw invalidArgument(`no such feed consumer: ${name}`);
      const next = await this.ctx.committer.nextFeedSeq();
      if (!Number.isInteger(seq) || seq < 0 || seq >= next) throw invalidArgument(`seq ${seq} is not in the feed (next is ${next})`);
      const rec: FeedConsumerRecord = { ...c, cursor: Math.max(c.cursor, seq) };
      delete rec.overflowed;
      tx.put(keys.feedConsumerKey(name), rec);
    });
  }

  /**
   * Trims what every enabled consumer acknowledged, then enforces the backlog limit (see the
   * header). Returns how many events were deleted, and how many of those were unread by someone.
   */
  async maintain(): Promise<{ trimmed: number; dropped: number }> {
    let trimmed = 0;
    let dropped = 0;
    for (;;) {
      const r = await this.ctx.committer.run(async (tx) => {
        const next = await this.ctx.committer.nextFeedSeq();
        const first = await this.firstSeq();
        const enabled = (await this.consumers()).filter(([, c]) => c.enabled);
        const acked = enabled.length ? Math.min(...enabled.map(([, c]) => c.cursor)) : next - 1;
        // Keep (acked, next) but at most maxEvents of it.
        const keepFrom = Math.max(acked + 1, next - this.maxEvents);
        if (first >= keepFrom) return { n: 0, d: 0, more: false };
        const until = Math.min(keepFrom, first + TRIM_BATCH);
        for (const [k] of await this.ctx.db.all({ ...keys.feedRangeBetween(first, until), values: false })) tx.del(k);
        let d = 0;
        if (until > acked + 1) {
          d = until - Math.max(first, acked + 1);
          for (const [name, c] of enabled) {
            if (c.cursor >= until - 1) continue;
            const rec: FeedConsumerRecord = {
              ...c,
              cursor: until - 1,
              overflows: c.overflows + (c.overflowed ? 0 : 1),
              overflowed: true,
              droppedEvents: (c.droppedEvents ?? 0) + (until - 1 - Math.max(c.cursor, first - 1)),
            };
            tx.put(keys.feedConsumerKey(name), rec);
          }
        }
        return { n: until - first, d, more: until < keepFrom };
      });
      trimmed += r.n;
      dropped += r.d;
      if (!r.more) return { trimmed, dropped };
    }
  }

  async status(): Promise<FeedStatus> {
    const next = await this.ctx.committer.nextFeedSeq();
    const first = Math.min(await this.firstSeq(), next);
    const now = Date.now();
    const consumers: FeedConsumerStatus[] = [];
    for (const [name, c] of await this.consumers()) {
      const backlog = Math.max(0, next - 1 - c.cursor);
      let oldestAgeMs: number | null = null;
      if (backlog > 0) {
        const ev = await this.ctx.db.getJson<FeedEvent>(keys.feedEventKey(Math.max(first, c.cursor + 1)));
        if (ev) oldestAgeMs = Math.max(0, now - ev.time);
      }
      consumers.push({ name, ...c, backlog, oldestAgeMs });
    }
    const enabled = consumers.filter((c) => c.enabled);
    let oldestUnackedAgeMs: number | null = null;
    if (enabled.length) {
      const from = Math.max(first, Math.min(...enabled.map((c) => c.cursor)) + 1);
      if (from < next) {
        const ev = await this.ctx.db.getJson<FeedEvent>(keys.feedEventKey(from));
        if (ev) oldestUnackedAgeMs = Math.max(0, Date.now() - ev.time);
      }
    }
    return { firstSeq: first, nextSeq: next, size: next - first, maxEvents: this.maxEvents, oldestUnackedAgeMs, consumers };
  }
}
