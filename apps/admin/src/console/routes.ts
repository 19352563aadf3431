/**
 * The console's JSON endpoints (`/console/api/*`), authenticated by the session cookie
 * (session.ts). Buckets, objects and settings go through the S3 proxy (s3Proxy.ts) instead;
 * users and keys through the admin API (`/admin/*`, which accepts a root console session).
 */
import Router from '@koa/router';
import type Koa from 'koa';
import type { EngineApi } from '@cairn/engine';
import { AdminError } from '../errors';
import { CLEAR_COOKIE, ConsoleSessions, requireConsoleHeader, sessionCookie, sessionIdOf, type ConsoleCaller } from './session';
import { encodePath, presignGetUrl } from './sigv4';
import { proxyToS3, S3_PROXY_PREFIX, type S3Target } from './s3Proxy';
import type { WorkerSample } from '../metricsRoute';

export interface ConsoleOptions {
  sessions: ConsoleSessions;
  /** Where the admin process reaches the S3 port. */
  s3: S3Target;
  /** The S3 endpoint for links handed to browsers (share links); default: this request's host name with the S3 port. */
  s3PublicEndpoint?: string;
  workers?: () => Promise<WorkerSample[]>;
  readJson: (ctx: Koa.Context) => Promise<Record<string, unknown>>;
}

const MAX_SHARE_SECONDS = 7 * 24 * 3600;

async function callerOf(ctx: Koa.Context, sessions: ConsoleSessions): Promise<ConsoleCaller> {
  const caller = await sessions.caller(sessionIdOf(ctx));
  if (!caller) throw new AdminError(401, 'Unauthorized', 'sign in first');
  return caller;
}

export function consoleRouter(engine: EngineApi, o: ConsoleOptions): Router {
  const r = new Router();
  const publicEndpoint = (ctx: Koa.Context) =>
    o.s3PublicEndpoint ?? `${ctx.protocol}://${ctx.hostname.includes(':') ? `[${ctx.hostname}]` : ctx.hostname}:${new URL(o.s3.endpoint).port}`;
  const keyOf = (c: ConsoleCaller) => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, region: o.s3.region });

  r.post('/console/api/session', async (ctx) => {
    requireConsoleHeader(ctx);
    const body = await o.readJson(ctx);
    const id = typeof body.accessKeyId === 'string' ? body.accessKeyId.trim() : '';
    const secret = typeof body.secretAccessKey === 'string' ? body.secretAccessKey : '';
    const caller = id && secret ? await o.sessions.verify(id, secret) : undefined;
    if (!caller) throw new AdminError(401, 'InvalidCredentials', 'The access key id or secret is not correct.');
    ctx.set('Set-Cookie', sessionCookie(o.sessions.create(caller)));
    ctx.body = { userId: caller.userId, accessKeyId: caller.accessKeyId, root: caller.root };
  });
  r.get('/console/api/session', async (ctx) => {
    const c = await callerOf(ctx, o.sessions);
    ctx.body = { userId: c.userId, accessKeyId: c.accessKeyId, root: c.root };
  });
  r.delete('/console/api/session', async (ctx) => {
    requireConsoleHeader(ctx);
    o.sessions.end(sessionIdOf(ctx));
    ctx.set('Set-Cookie', CLEAR_COOKIE);
    ctx.status = 204;
  });

  /** Per-bucket counters: root sees every bucket, others their own. */
  r.get('/console/api/bucket-usage', async (ctx) => {
    const c = await callerOf(ctx, o.sessions);
    const all = await engine.bucketUsage();
    ctx.body = { buckets: all.filter((b) => c.root || b.owner === c.userId) };
  });

  /** Store totals (root) or the caller's own account figures. */
  r.get('/console/api/usage', async (ctx) => {
    const c = await callerOf(ctx, o.sessions);
    const buckets = (await engine.bucketUsage()).filter((b) => c.root || b.owner === c.userId);
    const accounts = (await engine.accountUsage()).filter((a) => c.root || a.userId === c.userId);
    const mine = { objects: buckets.reduce((s, b) => s + b.objects, 0), logicalBytes: buckets.reduce((s, b) => s + b.logicalBytes, 0) };
    if (!c.root) {
      ctx.body = { store: undefined, own: mine, accounts };
      return;
    }
    const u = await engine.usage();
    ctx.body = { store: { ...u, dedupRatio: u.physicalBytes > 0 ? u.logicalBytes / u.physicalBytes : null }, own: mine, accounts };
  });

  r.get('/console/api/workers', async (ctx) => {
    const c = await callerOf(ctx, o.sessions);
    if (!c.root) throw new AdminError(403, 'AccessDenied', 'only the root user sees the workers');
    ctx.body = { workers: o.workers ? await o.workers() : [] };
  });

  /** A presigned GET URL of the caller's own key (a share link, or a download with ?download). */
  r.post('/console/api/presign', async (ctx) => {
    requireConsoleHeader(ctx);
    const c = await callerOf(ctx, o.sessions);
    const body = await o.readJson(ctx);
    const bucket = typeof body.bucket === 'string' ? body.bucket : '';
    const key = typeof body.key === 'string' ? body.key : '';
    if (!bucket || !key) throw new AdminError(400, 'InvalidArgument', '"bucket" and "key" are required');
    const expires = body.expiresSeconds === undefined ? 3600 : Number(body.expiresSeconds);
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_SHARE_SECONDS)
      throw new AdminError(400, 'InvalidArgument', `"expiresSeconds" must be 1..${MAX_SHARE_SECONDS}`);
    const extra: [string, string][] = [];
    if (typeof body.versionId === 'string' && body.versionId) extra.push(['versionId', body.versionId]);
    if (body.download === true)
      extra.push(['response-content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(key.split('/').pop() || 'download')}`]);
    const url = presignGetUrl(keyOf(c), publicEndpoint(ctx), encodePath(bucket, key), extra, expires);
    ctx.body = { url, expiresAt: new Date(Date.now() + expires * 1000).toISOString() };
  });

  /** Everything else S3: re-signed with the caller's key and forwarded (s3Proxy.ts). */
  r.all(new RegExp(`^${S3_PROXY_PREFIX}(/.*)?$`), async (ctx) => {
    requireConsoleHeader(ctx);
    const c = await callerOf(ctx, o.sessions);
    await proxyToS3(ctx, keyOf(c), o.s3);
  });

  return r;
}
