/**
 * The request body as the client meant it: auth's decoder (aws-chunked, payload hash, trailers)
 * over the socket. Every body read goes through `openRequestBody`, which also invites a client
 * waiting on `Expect: 100-continue`, and fails the stream (so the engine commits nothing) if the
 * client goes away before the body is complete.
 */
import type { Readable } from 'node:stream';
import type { S3Context } from '../context';
import { s3Error } from '../errors';
import { sendContinue } from './expectContinue';

export function openRequestBody(c: Pick<S3Context, 'auth' | 'req'>): Readable {
  const req = c.req;
  sendContinue(req);
  const body = c.auth.wrapBody(req);
  const onAbort = () => {
    if (!req.complete && !body.destroyed) body.destroy(s3Error('IncompleteBody'));
  };
  req.once('aborted', onAbort);
  req.once('close', onAbort);
  req.on('error', onAbort);
  body.once('close', () => {
    req.off('aborted', onAbort);
    req.off('close', onAbort);
  });
  return body;
}
