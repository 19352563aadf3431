/** Workers and their leases (workers/, meta/leases.ts). Plain data: no HTTP, no XML. */

export interface LeaseRecord {
  owner: string;
  /** Epoch ms. */
  expiresAt: number;
  /** When the current owner first got it (epoch ms). */
  acquiredAt: number;
}

export interface LeaseResult {
  /** True when the caller holds the lease now. */
  held: boolean;
  /** The lease as it is after the call (absent: nobody holds it). */
  lease?: LeaseRecord;
}

/** A worker's status record W/<worker> (admin API GET /admin/workers). */
export interface WorkerStatus {
  worker: string;
  /** Lease owner id of the process running it (host:pid:random). */
  owner: string;
  mode: 'in-process' | 'separate';
  pid: number;
  /** running: holds the lease; standby: another process holds it; stopped: shut down cleanly. */
  state: 'running' | 'standby' | 'stopped';
  lastRunStart?: number;
  lastRunEnd?: number;
  /** Versions / uploads looked at and actions applied by the last complete run. */
  lastRunScanned?: number;
  lastRunActed?: number;
  totalScanned: number;
  totalActed: number;
  errors: number;
  lastError?: string;
  /** Where the current run is: bucket and the last key done. */
  cursor?: { bucket: string; after?: string };
  updatedAt: number;
}
