/**
 * Who caused a change: the HTTP layer makes each request's engine calls through
 * `engine.forRequest({ requester, sourceIp, requestId })`, whose commit path (commit.ts
 * RequestCommitter) hands it to every change it commits; the change-feed events carry it.
 * Workers do the same with their own requester ("cairn:<worker>").
 */
export interface RequestInfo {
  /** User id of the signed requester (absent: anonymous). Workers use "cairn:<worker>". */
  requester?: string;
  sourceIp?: string;
  requestId?: string;
  /** The request's x-amz-id-2 (notification events carry it as S3's do). */
  hostId?: string;
}
