/**
 * Leases: a worker's claim on a role, a bucket or a feed partition is a record L/<name> =
 * { owner, expiresAt } in the database, not an in-memory lock, so every process sharing the
 * store (today: the server and workers attached to it over its socket; later: several servers
 * on one PostgreSQL) agrees on who holds it. A holder renews before expiry; a holder that
 * dies (kill -9) simply stops renewing and the lease becomes free at expiresAt.
 *
 * Each operation is one read-modify-write under the commit lock (a compare-and-set: a SQL
 * backend does the same with `UPDATE ... WHERE owner = $1 OR expires_at < now()`).
 */
import type { Ctx } from '../context';
import * as keys from './keys';
import type { LeaseRecord, LeaseResult } from '../types';

export type { LeaseRecord, LeaseResult } from '../types';
import { invalidArgument } from '../errors';

function check(name: string, owner: string, ttlMs?: number): void {
  if (typeof name !== 'string' || !name || name.length > 512) throw invalidArgument('invalid lease name');
  if (typeof owner !== 'string' || !owner || owner.length > 512) throw invalidArgument('invalid lease owner');
  if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) throw invalidArgument('invalid lease ttl');
}

/** Takes the lease if it is free, expired or already the caller's (then it is renewed). */
export function claimLease(ctx: Ctx, name: string, owner: string, ttlMs: number): Promise<LeaseResult> {
  check(name, owner, ttlMs);
  return ctx.committer.run(async (tx) => {
    const cur = await ctx.db.getJson<LeaseRecord>(keys.leaseKey(name));
    if (cur && cur.owner !== owner && cur.expiresAt > tx.now) return { held: false, lease: cur };
    const next: LeaseRecord = { owner, expiresAt: tx.now + ttlMs, acquiredAt: cur?.owner === owner ? cur.acquiredAt : tx.now };
    tx.put(keys.leaseKey(name), next);
    return { held: true, lease: next };
  });
}

/** Extends the caller's lease; held: false when someone else took it meanwhile (stop working). */
export function renewLease(ctx: Ctx, name: string, owner: string, ttlMs: number): Promise<LeaseResult> {
  check(name, owner, ttlMs);
  return ctx.committer.run(async (tx) => {
    const cur = await ctx.db.getJson<LeaseRecord>(keys.leaseKey(name));
    // Ours (even if expired: nobody took it) or free; someone else's means we lost it.
    if (cur && cur.owner !== owner) return { held: false, lease: cur };
    const next: LeaseRecord = { owner, expiresAt: tx.now + ttlMs, acquiredAt: cur?.acquiredAt ?? tx.now };
    tx.put(keys.leaseKey(name), next);
    return { held: true, lease: next };
  });
}

/** Gives the lease up (no-op unless the caller holds it). */
export function releaseLease(ctx: Ctx, name: string, owner: string): Promise<void> {
  check(name, owner);
  return ctx.committer.run(async (tx) => {
    const cur = await ctx.db.getJson<LeaseRecord>(keys.leaseKey(name));
    if (cur?.owner === owner) tx.del(keys.leaseKey(name));
  });
}

export async function getLease(ctx: Ctx, name: string): Promise<LeaseRecord | undefined> {
  return ctx.db.getJson<LeaseRecord>(keys.leaseKey(name));
}
