/**
 * Everything thrown below becomes S3's XML error response (errors.ts): S3's status for the code,
 * Code/Message/Resource/RequestId/HostId, no body for HEAD and 304. Unexpected exceptions are
 * 500 InternalError; their stack goes to the log, never to the client.
 */
import type Koa from 'koa';
import { toErrorResponse, isKnownCode } from '../errors';
import { awaitingContinue } from '../http/expectContinue';
import { lingerAfterError } from '../http/lingeringClose';
import type { RequestState } from './requestContext';

export type ErrorLogger = (entry: Record<string, unknown>) => void;

export const stderrLogger: ErrorLogger = (entry) => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', ...entry }) + '\n');
};

export function errorResponder(opts: { logError?: ErrorLogger } = {}): Koa.Middleware {
  const logError = opts.logError ?? stderrLogger;
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const state = ctx.state.s3 as RequestState;
      const resource: string = ctx.state.resource ?? (ctx.req.url ?? '/').split('?')[0];
      const r = toErrorResponse(err, {
        method: ctx.method,
        resource,
        requestId: state.requestId,
        hostId: state.hostId,
        bucket: state.bucket,
        key: state.key,
      });
      state.errorCode = r.code;
      if (r.unexpected !== undefined) {
        const e = r.unexpected as { stack?: string; message?: string };
        logError({ requestId: state.requestId, operation: state.operation, msg: 'unexpected error', error: e?.stack ?? String(e) });
      } else if (!isKnownCode(r.code)) {
        logError({ requestId: state.requestId, operation: state.operation, msg: `S3 error code not in the table: ${r.code}` });
      }
      if (ctx.headerSent || !ctx.writable) {
        // Too late for an error document: cut the connection so the client sees a failure
        // (through the response: req.socket is null once the socket is detached).
        ctx.res.destroy();
        return;
      }
      ctx.body = null;
      ctx.status = r.status;
      for (const [k, v] of Object.entries(r.headers)) ctx.set(k, v);
      if (awaitingContinue(ctx.req)) ctx.set('Connection', 'close');
      else lingerAfterError(ctx.req, ctx.res); // a body still arriving: answer now, drain, close
      if (r.body !== undefined) {
        ctx.set('Content-Type', 'application/xml');
        ctx.body = r.body;
      }
    }
  };
}
