/**
 * The koa application: request id + access log → error responder → addressing (route.ts) →
 * internal endpoints (@koa/router, path-style only) → S3 dispatch (operations → auth →
 * authorize → handler).
 */
import Koa from 'koa';
import Router from '@koa/router';
import type { EngineApi } from '@cairn/engine';
import type { AuthOptions } from './auth/types';
import type { ServerConfig } from './context';
import { errorResponder, stderrLogger, type ErrorLogger } from './middleware/errorResponder';
import { requestContext, type AccessLogSink, type RequestState } from './middleware/requestContext';
import { s3Dispatch } from './middleware/s3Dispatch';
import { resolveRoute, type Route } from './http/route';
import { corsResponseHeaders } from './http/cors';
import { websiteEndpoint } from './website/endpoint';
import { s3Error } from './errors';
import { liveness, readiness, type HealthSource } from './http/health';

export interface AppOptions {
  engine: EngineApi;
  config: ServerConfig;
  quiet?: boolean;
  /** Track each request's async context so escaped errors name it (escapedErrors.ts). Off by default: it costs CPU. */
  traceRequests?: boolean;
  accessLog?: AccessLogSink;
  /** Sees every request's access-log record, even when quiet (the metrics). */
  observe?: AccessLogSink;
  logError?: ErrorLogger;
  /** Overrides for authentication (tests inject a clock). */
  auth?: Partial<AuthOptions>;
  /** Shutdown state for `/-/health/ready` (server.ts); without it the app never reports draining. */
  health?: HealthSource;
}

/**
 * Endpoints that are not S3 operations. They live under `/-/`, which no bucket can be named
 * (bucket names start with a letter or digit), and only answer path-style requests.
 */
function internalRouter(engine: EngineApi, health: HealthSource): Router {
  const router = new Router({ prefix: '/-' });
  router.get('/health', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok', region: engine.options.region };
  });
  router.get('/health/live', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = liveness();
  });
  router.get('/health/ready', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const report = await readiness(engine, health);
    ctx.status = report.status === 'ok' ? 200 : 503;
    ctx.body = report;
  });
  return router;
}

/** RFC 9112 §3.2: a request with more than one Host header is refused, never served with either. */
function rejectDuplicateHost(raw: string[]): void {
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') hosts++;
  if (hosts > 1) throw s3Error('InvalidArgument', 'The request has more than one Host header.', { ArgumentName: 'Host' }, { closeConnection: true });
}

export function createApp(o: AppOptions): Koa {
  const app = new Koa();
  const logError = o.logError ?? stderrLogger;
  app.silent = true;
  app.on('error', (err: Error & { code?: string }) => {
    // Stream errors after the response started (client went away mid-download, ...).
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    logError({ msg: 'koa error', error: err.stack ?? String(err) });
  });

  const authOptions: AuthOptions = {
    region: o.config.region,
    lookup: async (accessKeyId) => {
      const found = await o.engine.lookupAccessKey(accessKeyId);
      if (!found) return undefined;
      return { secretAccessKey: found.secretAccessKey, userId: found.user.id, suspended: found.user.suspended };
    },
    ...o.auth,
  };

  app.use(requestContext({ quiet: o.quiet ?? false, sink: o.accessLog, observe: o.observe, traceRequests: o.traceRequests ?? false }));
  app.use(corsResponseHeaders(o.engine)); // outside the error responder: errors get CORS headers too
  app.use(errorResponder({ logError }));
  // Hosts under a --website-domain are website requests (HTML errors, index documents); the rest is REST.
  app.use(websiteEndpoint({ engine: o.engine, config: o.config, websiteDomains: o.config.websiteDomains ?? [], logError }));
  app.use(async (ctx, next) => {
    rejectDuplicateHost(ctx.req.rawHeaders);
    const route: Route = resolveRoute(ctx.req.url ?? '/', ctx.req.headers.host, o.config.domains);
    const state = ctx.state.s3 as RequestState;
    ctx.state.route = route;
    ctx.state.resource = route.resource;
    state.bucket = route.bucket;
    state.key = route.key;
    await next();
  });
  const internal = internalRouter(o.engine, o.health ?? { draining: () => false }).routes();
  app.use((ctx, next) => ((ctx.state.route as Route).style === 'path' ? internal(ctx as Parameters<typeof internal>[0], next) : next()));
  app.use(s3Dispatch({ engine: o.engine, config: o.config, authOptions }));
  return app;
}
