/**
 * Who caused a change: the HTTP layer runs each request's engine calls inside
 * `runWithRequestInfo({ requester, sourceIp, requestId }, fn)`; the commit path (commit.ts)
 * captures it when a change starts, and the change-feed events of that change carry it.
 * AsyncLocalStorage keeps the engine API free of an extra "who" argument on every method.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestInfo {
  /** User id of the signed requester (absent: anonymous). Workers use "cairn:<worker>". */
  requester?: string;
  sourceIp?: string;
  requestId?: string;
  /** The request's x-amz-id-2 (notification events carry it as S3's do). */
  hostId?: string;
}

const storage = new AsyncLocalStorage<RequestInfo>();

export function runWithRequestInfo<T>(info: RequestInfo, fn: () => T): T {
  return storage.run(info, fn);
}

export function currentRequestInfo(): RequestInfo | undefined {
  return storage.getStore();
}
