/**
 * `GET /metrics` on the admin port: the Prometheus text exposition the server's metrics registry
 * renders (apps/s3 observability/metrics.ts). With a token configured, scrapes must send
 * `Authorization: Bearer <token>` (compared in constant time); without one the endpoint is open
 * — it is on the admin port only, which should not be reachable from outside.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';

export interface WorkerSample {
  worker: string;
  backlog: number;
  oldestSeconds: number;
  errors: number;
}

export interface MetricsProvider {
  contentType: string;
  render(): Promise<string>;
  /** Worker queues (the console's workers page). */
  workers?(): Promise<WorkerSample[]>;
  /** Required bearer token for /metrics, if any. */
  token?: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function metricsRoute(m: MetricsProvider | undefined): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || !m) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      ctx.body = { error: { code: 'MethodNotAllowed', message: `${ctx.method} is not allowed on /metrics` } };
      return;
    }
    if (m.token) {
      const got = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1] ?? '';
      // Hashing first makes the comparison constant-time whatever the lengths.
      if (!timingSafeEqual(digest(got), digest(m.token))) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer realm="cairn-metrics"');
        ctx.body = { error: { code: 'Unauthorized', message: 'GET /metrics needs "Authorization: Bearer <metrics token>"' } };
        return;
      }
    }
    ctx.type = m.contentType;
    ctx.body = await m.render();
  };
}
