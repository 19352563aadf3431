/**
 * The worker runtime: runs one worker's passes under a lease, in the server process or in its
 * own process (then `api` is the RPC client of the server's socket, rpc.ts).
 *
 * Only the holder of lease `worker/<name>` (feed/leases.ts) runs passes; any other instance is on
 * standby and retries claiming at least every ttl/2, so a server running the worker in-process
 * and a separate `cairn worker <name>` never both run it. The holder renews every ttl/3; a holder
 * killed with SIGKILL stops renewing and another instance takes over after at most one ttl.
 * Status (W/<name>) is written at every state change and page, for GET /admin/workers.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { WorkerEngineApi, WorkerStatus } from './api';

export interface PassContext {
  api: WorkerEngineApi;
  /** True once the runner stops or lost its lease: end the pass at the next safe point. */
  shouldStop(): boolean;
  /** Record progress (status is persisted, throttled). */
  progress(p: { scanned?: number; acted?: number; errors?: number; lastError?: string; cursor?: WorkerStatus['cursor'] }): Promise<void>;
}

export interface Worker {
  readonly name: string;
  /** One pass over the worker's work; returns what it did. */
  runPass(ctx: PassContext): Promise<void>;
  /** Ms to wait after a pass before the next one (given when the last pass ended). */
  nextDelayMs(lastRunEnd: number): number;
}

export interface RunnerOptions {
  mode: 'in-process' | 'separate';
  /** Lease time-to-live. Default 30 s. */
  leaseTtlMs?: number;
  log?: (msg: string) => void;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;

export class WorkerRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly ttl: number;
  private stopped = false;
  private held = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private status: WorkerStatus;

  constructor(
    private readonly api: WorkerEngineApi,
    private readonly worker: Worker,
    private readonly opts: RunnerOptions,
  ) {
    this.ttl = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.status = {
      worker: worker.name,
      owner: this.owner,
      mode: opts.mode,
      pid: process.pid,
      state: 'standby',
      totalScanned: 0,
      totalActed: 0,
      errors: 0,
      updatedAt: Date.now(),
    };
  }

  get leaseName(): string {
    return `worker/${this.worker.name}`;
  }

  start(): void {
    this.loop ??= this.run().catch((e: unknown) => this.opts.log?.(`worker ${this.worker.name}: stopped on error: ${(e as Error)?.stack ?? String(e)}`));
  }

  /** Ends the current pass at its next safe point, releases the lease, marks the worker stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async saveStatus(patch: Partial<WorkerStatus>): Promise<void> {
    this.status = { ...this.status, ...patch, updatedAt: Date.now() };
    // A worker on standby must not overwrite the status the lease holder writes.
    if (this.held || patch.state === 'stopped') await this.api.putWorkerStatus(this.status).catch(() => undefined);
  }

  private startRenewing(): void {
    this.renewTimer = setInterval(
      () => {
        this.api.renewLease(this.leaseName, this.owner, this.ttl).then(
          (r) => {
            if (!r.held) this.lost();
          },
          () => undefined, // transient (e.g. the server restarting): the next renewal retries
        );
      },
      Math.max(50, Math.floor(this.ttl / 3)),
    );
    this.renewTimer.unref();
  }

  private lost(): void {
    if (!this.held) return;
    this.held = false;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.opts.log?.(`worker ${this.worker.name}: lost its lease`);
  }

  private async run(): Promise<void> {
    let nextRunAt = 0;
    while (!this.stopped) {
      if (!this.held) {
        const r = await this.api.claimLease(this.leaseName, this.owner, this.ttl).catch(() => undefined);
        if (!r?.held) {
          if (this.status.state !== 'standby') this.status.state = 'standby';
          await this.sleep(Math.max(50, Math.floor(this.ttl / 2)));
          continue;
        }
        this.held = true;
        this.startRenewing();
        this.opts.log?.(`worker ${this.worker.name}: holds its lease (${this.opts.mode})`);
        await this.saveStatus({ state: 'running' });
      }
      if (Date.now() < nextRunAt) {
        await this.sleep(Math.min(nextRunAt - Date.now(), Math.floor(this.ttl / 2)));
        continue;
      }
      await this.pass();
      nextRunAt = Date.now() + this.worker.nextDelayMs(Date.now());
    }
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.held) {
      await this.saveStatus({ state: 'stopped' });
      await this.api.releaseLease(this.leaseName, this.owner).catch(() => undefined);
    }
    this.held = false;
  }

  private async pass(): Promise<void> {
    const start = Date.now();
    let scanned = 0;
    let acted = 0;
    let lastSave = 0;
    await this.saveStatus({ lastRunStart: start, cursor: undefined });
    const ctx: PassContext = {
      api: this.api,
      shouldStop: () => this.stopped || !this.held,
      progress: async (p) => {
        scanned += p.scanned ?? 0;
        acted += p.acted ?? 0;
        const patch: Partial<WorkerStatus> = {
          totalScanned: this.status.totalScanned + (p.scanned ?? 0),
          totalActed: this.status.totalActed + (p.acted ?? 0),
          errors: this.status.errors + (p.errors ?? 0),
        };
        if (p.lastError) patch.lastError = p.lastError;
        if (p.cursor) patch.cursor = p.cursor;
        this.status = { ...this.status, ...patch };
        if (p.errors || Date.now() - lastSave > 1000) {
          lastSave = Date.now();
          await this.saveStatus({});
        }
      },
    };
    try {
      await this.worker.runPass(ctx);
      if (!ctx.shouldStop()) await this.saveStatus({ lastRunEnd: Date.now(), lastRunScanned: scanned, lastRunActed: acted, cursor: undefined });
    } catch (e) {
      this.opts.log?.(`worker ${this.worker.name}: pass failed: ${(e as Error)?.message ?? String(e)}`);
      await this.saveStatus({ errors: this.status.errors + 1, lastError: (e as Error)?.message ?? String(e) });
      await this.sleep(Math.min(5000, Math.floor(this.ttl / 2)));
    }
  }
}
