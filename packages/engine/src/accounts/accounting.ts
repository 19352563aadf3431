/**
 * Per-account usage accounting (requests and bytes charged; Requester Pays charges the requester).
 *
 * Trade-off: counting happens in memory (one Map update per request, no I/O on the request path)
 * and dirty accounts are persisted to A/<userId> in ONE batch every `flushMs` and on close. A
 * crash loses at most the last interval's counts — acceptable for usage figures, and far cheaper
 * than a metadata write per request. Reads (`snapshot`) add the pending deltas to the stored
 * totals, so the admin API always shows every request counted so far.
 */
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import type { AccountUsage, UsageCharge } from '../types';

type Counters = Omit<AccountUsage, 'userId'>;

const zero = (): Counters => ({ requests: 0, bytesIn: 0, bytesOut: 0, requesterPaysRequests: 0, requesterPaysBytes: 0 });

function add(into: Counters, d: Counters): void {
  into.requests += d.requests;
  into.bytesIn += d.bytesIn;
  into.bytesOut += d.bytesOut;
  into.requesterPaysRequests += d.requesterPaysRequests;
  into.requesterPaysBytes += d.requesterPaysBytes;
}

const n = (v: number | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

export class UsageAccounting {
  private pending = new Map<string, Counters>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Ctx,
    flushMs = 5_000,
  ) {
    if (flushMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushMs);
      this.timer.unref();
    }
  }

  record(c: UsageCharge): void {
    if (!c || typeof c.userId !== 'string' || !c.userId) return;
    let p = this.pending.get(c.userId);
    if (!p) this.pending.set(c.userId, (p = zero()));
    const bytesIn = n(c.bytesIn);
    const bytesOut = n(c.bytesOut);
    p.requests += 1;
    p.bytesIn += bytesIn;
    p.bytesOut += bytesOut;
    if (c.requesterPays) {
      p.requesterPaysRequests += 1;
      p.requesterPaysBytes += bytesIn + bytesOut;
    }
  }

  /** Persists the pending deltas in one batch (serialised with other flushes). */
  flush(): Promise<void> {
    // Chain on the previous flush's settlement, not its success: one failed write must not
    // leave the chain rejected (every later flush, and the one at close, would be skipped).
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        if (this.pending.size === 0) return;
        const batch = this.pending;
        this.pending = new Map();
        try {
          await this.ctx.committer.run(async (tx) => {
            const ids = [...batch.keys()];
            const stored = await this.ctx.db.getMany(ids.map(keys.accountUsageKey));
            ids.forEach((id, i) => {
              const cur = stored[i] ? { ...zero(), ...(JSON.parse(stored[i]!.toString('utf8')) as Counters) } : zero();
              add(cur, batch.get(id)!);
              tx.put(keys.accountUsageKey(id), cur);
            });
          });
        } catch (e) {
          // Not written: keep the counts for the next attempt.
          for (const [id, d] of batch) {
            const p = this.pending.get(id) ?? zero();
            add(p, d);
            this.pending.set(id, p);
          }
          throw e;
        }
      });
    return this.flushing;
  }

  /** Stored totals plus what is still pending, one entry per account, sorted by id. */
  async snapshot(): Promise<AccountUsage[]> {
    await this.flushing.catch(() => undefined);
    const totals = new Map<string, Counters>();
    for (const [k, v] of await this.ctx.db.all(keys.accountUsageRange())) {
      totals.set(keys.decodeAccountUsageKey(k), { ...zero(), ...(JSON.parse(v.toString('utf8')) as Counters) });
    }
    for (const [id, d] of this.pending) {
      const t = totals.get(id) ?? zero();
      add(t, d);
      totals.set(id, t);
    }
    return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([userId, c]) => ({ userId, ...c }));
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
