/**
 * Access key → (user, secret) for request authentication, kept in memory: every signed request
 * needs it, and reading it costs two point reads plus JSON decoding (~5% of a 4 KiB GET's CPU).
 *
 * Exact, not a TTL: an entry is tagged with the commit path's `accountEpoch` read BEFORE the
 * lookup, and the epoch is bumped after every batch that wrote a user or key record (commit.ts),
 * so a deleted key or changed user is never served from here once its change is written. With
 * shared metadata (other gateways change users too) nothing is cached. Only found keys are kept
 * (random key ids cost reads, not memory), at most MAX_ENTRIES.
 */
import type { AccessKeyLookup } from '../types/accounts';

const MAX_ENTRIES = 10_000;

export class AccessKeyCache {
  private readonly entries = new Map<string, { epoch: number; lookup: AccessKeyLookup }>();

  constructor(private readonly enabled: boolean) {}

  get(accessKeyId: string, epoch: number): AccessKeyLookup | undefined {
    if (!this.enabled) return undefined;
    const e = this.entries.get(accessKeyId);
    return e && e.epoch === epoch ? e.lookup : undefined;
  }

  /** `epoch`: the value read before the lookup began. */
  set(accessKeyId: string, epoch: number, lookup: AccessKeyLookup): void {
    if (!this.enabled) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(accessKeyId, { epoch, lookup });
  }
}
