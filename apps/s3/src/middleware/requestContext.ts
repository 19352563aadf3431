/**
 * First middleware: a unique request id (x-amz-request-id), x-amz-id-2, Server and Date on
 * every response, and one structured access-log record per request: logged unless quiet
 * (observability/logger.ts), always observed by the metrics (observability/metrics.ts).
 */
import { randomBytes } from 'node:crypto';
import type Koa from 'koa';

export interface RequestState {
  requestId: string;
  hostId: string;
  startedAt: bigint;
  operation?: string;
  bucket?: string;
  key?: string;
  userId?: string | null;
  errorCode?: string;
  log: Record<string, unknown>;
}

let counter = 0;

/** 16 upper-case hex characters like S3's, unique within the process (time + counter + random). */
export function newRequestId(): string {
  counter = (counter + 1) & 0xffff;
  const t = Date.now().toString(16).toUpperCase().slice(-8).padStart(8, '0');
  return t + counter.toString(16).toUpperCase().padStart(4, '0') + randomBytes(2).toString('hex').toUpperCase();
}

export function newHostId(): string {
  return randomBytes(24).toString('base64');
}

export type AccessLogSink = (line: Record<string, unknown>) => void;

export const stdoutSink: AccessLogSink = (line) => {
  process.stdout.write(JSON.stringify(line) + '\n');
};

/** Query string for logs, with signatures and credentials removed. */
export function redactQuery(rawQuery: string): string {
  return rawQuery.replace(/((?:^|&)(?:X-Amz-Signature|Signature|X-Amz-Credential|X-Amz-Security-Token|AWSAccessKeyId)=)[^&]*/gi, '$1REDACTED');
}

export function requestContext(opts: { quiet: boolean; sink?: AccessLogSink; observe?: AccessLogSink }): Koa.Middleware {
  const sink = opts.quiet ? undefined : (opts.sink ?? stdoutSink);
  const observe = opts.observe;
  return async (ctx, next) => {
    const state: RequestState = {
      requestId: newRequestId(),
      hostId: newHostId(),
      startedAt: process.hrtime.bigint(),
      log: {},
    };
    ctx.state.s3 = state;
    ctx.set('x-amz-request-id', state.requestId);
    ctx.set('x-amz-id-2', state.hostId);
    ctx.set('Server', 'Cairn');
    if (sink || observe) {
      // Captured now: in 'close' the socket may already be detached (null).
      const remote = ctx.req.socket?.remoteAddress;
      const res = ctx.res;
      let ttfbMs: number | undefined;
      const writeHead = res.writeHead;
      res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
        ttfbMs ??= Number(process.hrtime.bigint() - state.startedAt) / 1e6;
        return writeHead.apply(this, args);
      } as typeof res.writeHead;
      res.once('close', () => {
        const url = ctx.req.url ?? '';
        const q = url.indexOf('?');
        const line = {
          time: new Date().toISOString(),
          requestId: state.requestId,
          remote,
          method: ctx.method,
          path: q === -1 ? url : url.slice(0, q),
          query: q === -1 ? undefined : redactQuery(url.slice(q + 1)),
          host: ctx.get('host') || undefined,
          operation: state.operation,
          bucket: state.bucket,
          key: state.key,
          user: state.userId ?? undefined,
          status: res.statusCode,
          error: state.errorCode,
          completed: res.writableFinished,
          bytesIn: ctx.req.headers['content-length'] !== undefined ? Number(ctx.req.headers['content-length']) : undefined,
          bytesOut: res.getHeader('content-length') !== undefined ? Number(res.getHeader('content-length')) : undefined,
          ms: Number(process.hrtime.bigint() - state.startedAt) / 1e6,
          ttfbMs,
          userAgent: ctx.get('user-agent') || undefined,
          ...state.log,
        };
        observe?.(line);
        sink?.(line);
      });
    }
    await next();
  };
}
