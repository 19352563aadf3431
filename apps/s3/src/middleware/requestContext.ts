/**
 * First middleware: a unique request id (x-amz-request-id), x-amz-id-2, Server and Date on
 * every response, and one structured access-log record per request: logged unless quiet
 * (observability/logger.ts), always observed by the metrics (observability/metrics.ts).
 */
import type Koa from 'koa';
import { guarded, requestScope } from '../http/escapedErrors';
import { pooledRandom } from '@cairn/engine';

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
  return t + counter.toString(16).toUpperCase().padStart(4, '0') + pooledRandom(2, 'hex').toUpperCase();
}

export function newHostId(): string {
  return pooledRandom(24, 'base64');
}

export type AccessLogSink = (line: Record<string, unknown>) => void;

export const stdoutSink: AccessLogSink = (line) => {
  process.stdout.write(JSON.stringify(line) + '\n');
};

/** Query string for logs, with signatures and credentials removed. */
export function redactQuery(rawQuery: string): string {
  return rawQuery.replace(/((?:^|&)(?:X-Amz-Signature|Signature|X-Amz-Credential|X-Amz-Security-Token|AWSAccessKeyId)=)[^&]*/gi, '$1REDACTED');
}

export function requestContext(opts: { quiet: boolean; sink?: AccessLogSink; observe?: AccessLogSink; traceRequests?: boolean }): Koa.Middleware {
  const sink = opts.quiet ? undefined : (opts.sink ?? stdoutSink);
  const observe = opts.observe;
  return async (ctx, next) => {
    const state: RequestState = {
      requestId: newRequestId(),
      hostId: newHostId(),
      startedAt: process.hrtime.bigint(),
      log: {},
    };
    // --trace-requests: timers and promises the request starts carry its id (escapedErrors.ts
    // logs it). Off by default: AsyncLocalStorage's promise hooks cost every request CPU.
    if (opts.traceRequests) await requestScope.run({ requestId: state.requestId }, () => withState(ctx, next, state));
    else await withState(ctx, next, state);
  };

  async function withState(ctx: Koa.ParameterizedContext, next: Koa.Next, state: RequestState): Promise<void> {
    ctx.state.s3 = state;
    ctx.set('x-amz-request-id', state.requestId);
    ctx.set('x-amz-id-2', state.hostId);
    ctx.set('Server', 'Cairn');
    if (sink || observe) {
      // Everything the log line needs is read now: by 'close' the socket may be detached
      // (req.socket is then null) and this listener runs outside koa's try/catch.
      const req = ctx.req;
      const res = ctx.res;
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const contentLength = req.headers['content-length'];
      const started = {
        remote: req.socket?.remoteAddress,
        method: req.method,
        path: q === -1 ? url : url.slice(0, q),
        query: q === -1 ? undefined : redactQuery(url.slice(q + 1)),
        host: req.headers.host || undefined,
        bytesIn: contentLength !== undefined ? Number(contentLength) : undefined,
        userAgent: req.headers['user-agent'] || undefined,
      };
      let ttfbMs: number | undefined;
      const writeHead = res.writeHead;
      res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
        ttfbMs ??= Number(process.hrtime.bigint() - state.startedAt) / 1e6;
        return writeHead.apply(this, args);
      } as typeof res.writeHead;
      res.once(
        'close',
        guarded('access log', state.requestId, () => {
          const bytesOut = res.getHeader('content-length');
          const line = {
            time: new Date().toISOString(),
            requestId: state.requestId,
            remote: started.remote,
            method: started.method,
            path: started.path,
            query: started.query,
            host: started.host,
            operation: state.operation,
            bucket: state.bucket,
            key: state.key,
            user: state.userId ?? undefined,
            status: res.statusCode,
            error: state.errorCode,
            completed: res.writableFinished,
            bytesIn: started.bytesIn,
            bytesOut: bytesOut !== undefined ? Number(bytesOut) : undefined,
            ms: Number(process.hrtime.bigint() - state.startedAt) / 1e6,
            ttfbMs,
            userAgent: started.userAgent,
            ...state.log,
          };
          observe?.(line);
          sink?.(line);
        }),
      );
    }
    await next();
  }
}
