/**
 * Requester Pays and usage accounting, decided right beside authorize():
 * - on a bucket whose Payer is Requester, every request by anyone but the owner must carry
 *   `x-amz-request-payer: requester` (else AccessDenied; anonymous requests are always denied,
 *   as S3 does), and its response carries `x-amz-request-charged: requester`;
 * - every request is charged to one account (engine.recordUsage, counted in memory): the
 *   requester when it pays, else the bucket owner, else (service operations) the caller.
 *   Bytes are the request's Content-Length and the response's Content-Length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BucketInfo, EngineApi } from '@cairn/engine';
import type { Principal } from '../context';
import { accessDenied } from '../errors';
import { guarded } from '../http/escapedErrors';

export const REQUEST_CHARGED_HEADER = 'x-amz-request-charged';

/** True when the requester is charged for this request; throws AccessDenied when it must agree to pay and did not. */
export async function requesterPays(
  engine: EngineApi,
  bucket: BucketInfo,
  principal: Principal | null,
  requestPayerHeader: string | undefined,
): Promise<boolean> {
  if (principal && principal.userId === bucket.owner) return false;
  if ((await engine.getBucketRequestPayment(bucket.name)) !== 'Requester') return false;
  if (!principal) throw accessDenied('Anonymous access to a Requester Pays bucket is not allowed');
  if (requestPayerHeader?.trim().toLowerCase() !== 'requester') throw accessDenied();
  return true;
}

/** Charges the request to `userId` once the response is over (bytes known then). */
export function chargeWhenDone(engine: EngineApi, req: IncomingMessage, res: ServerResponse, userId: string | undefined, requesterPaid: boolean): void {
  if (!userId) return;
  const bytesIn = Number(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'] ?? 0);
  // 'close' runs outside koa's try/catch: guarded, so a throw is reported instead of ending the process.
  res.once(
    'close',
    guarded('usage accounting', undefined, () => {
      const bytesOut = Number(res.getHeader('content-length') ?? 0);
      engine.recordUsage({ userId, bytesIn, bytesOut, requesterPays: requesterPaid });
    }),
  );
}
