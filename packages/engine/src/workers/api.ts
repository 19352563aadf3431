/**
 * WorkerEngineApi: the part of the engine a worker drives. `Engine` implements it in-process;
 * `RpcClient` (rpc.ts) implements it over the server's unix socket for a worker running as its
 * own process (only one process may open LevelDB). Everything is JSON-shaped for that reason.
 */
import type { LeaseResult, WorkerStatus } from '../types';
import type { FeedConsumerRecord, FeedReadResult } from '../feed/events';
import type { NotificationBucket } from '../notifications/config';
import type { ApplyResult, LifecycleAction, LifecycleBucket, ScanPage, ScannedUpload } from '../lifecycle/store';

export type { WorkerStatus } from '../types';

export interface WorkerInfo {
  /** The server's lifecycle day in ms (the x-amz-expiration header uses it). */
  lifecycleDayMs: number;
  pid: number;
  /** The server's region (notification events and ARNs carry it). */
  region?: string;
}

export interface WorkerEngineApi {
  workerInfo(): Promise<WorkerInfo>;
  listLifecycleBuckets(): Promise<LifecycleBucket[]>;
  lifecycleScan(bucket: string, after: string | undefined, limit: number): Promise<ScanPage>;
  lifecycleUploads(
    bucket: string,
    after: { key: string; uploadId: string } | undefined,
    limit: number,
  ): Promise<{ uploads: ScannedUpload[]; next?: { key: string; uploadId: string } }>;
  lifecycleApply(action: LifecycleAction): Promise<ApplyResult>;
  claimLease(name: string, owner: string, ttlMs: number): Promise<LeaseResult>;
  renewLease(name: string, owner: string, ttlMs: number): Promise<LeaseResult>;
  releaseLease(name: string, owner: string): Promise<void>;
  getWorkerState(worker: string, sub: string): Promise<unknown>;
  /** null deletes. */
  putWorkerState(worker: string, sub: string, value: unknown): Promise<void>;
  putWorkerStatus(status: WorkerStatus): Promise<void>;
  // change feed consumers (notification workers)
  registerFeedConsumer(name: string, opts?: { enabled?: boolean }): Promise<FeedConsumerRecord>;
  readFeed(name: string, opts?: { limit?: number }): Promise<FeedReadResult>;
  ackFeed(name: string, seq: number): Promise<void>;
  /** A bucket's id, owner and notification configuration; undefined when it no longer exists. */
  notificationBucket(bucket: string): Promise<NotificationBucket | undefined>;
}

/** The methods RpcServer exposes (and RpcClient forwards), by name. */
export const WORKER_API_METHODS = [
  'workerInfo',
  'listLifecycleBuckets',
  'lifecycleScan',
  'lifecycleUploads',
  'lifecycleApply',
  'claimLease',
  'renewLease',
  'releaseLease',
  'getWorkerState',
  'putWorkerState',
  'putWorkerStatus',
  'registerFeedConsumer',
  'readFeed',
  'ackFeed',
  'notificationBucket',
] as const satisfies readonly (keyof WorkerEngineApi)[];
