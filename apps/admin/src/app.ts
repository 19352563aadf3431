/**
 * The admin API: a koa JSON API over the engine's public API (never its internals).
 * Every route requires the root's bearer token (token.ts); anonymous callers get 401, callers
 * with a valid token of a non-root or suspended user get 403.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { ROOT_USER_ID, type EngineApi, type User } from '@cairn/engine';
import { AdminError, toAdminError } from './errors';
import { adminTokenSignature, parseAdminToken, signaturesEqual } from './token';
import { metricsRoute, type MetricsProvider } from './metricsRoute';
import { ConsoleSessions, requireConsoleHeader, sessionIdOf } from './console/session';
import { consoleRouter } from './console/routes';
import { consoleStatic, defaultConsoleDir } from './console/static';

export interface AdminAppOptions {
  rootAccessKeyId: string;
  rootSecretAccessKey: string;
  logError?: (entry: Record<string, unknown>) => void;
  /** One record per admin-port request (method, path without query, status, ms, user). */
  log?: (entry: Record<string, unknown>) => void;
  /** Serves GET /metrics (and the console's workers page). */
  metrics?: MetricsProvider;
  /** The S3 port as this process reaches it; enables the web console's S3 access (console/s3Proxy.ts). */
  s3Endpoint?: string;
  /** The S3 endpoint for links handed to browsers (share links); default: the console's host name with the S3 port. */
  s3PublicEndpoint?: string;
  /** The built console (default: dist/console next to this module). */
  consoleDir?: string;
  /** Zone replication (the S3 server's --zone / --peer): GET /admin/replication, POST /admin/replication/resync. */
  replication?: ReplicationProvider;
}

/** What the admin API needs of zone replication (it runs in the S3 server, which knows the peers). */
export interface ReplicationProvider {
  status(): Promise<unknown>;
  resync(bucket: string, peer?: string): Promise<unknown>;
}

const MAX_BODY = 64 * 1024;

async function readJson(ctx: Koa.Context): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new AdminError(413, 'RequestTooLarge', `request bodies are limited to ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new AdminError(400, 'MalformedJSON', 'the request body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new AdminError(400, 'MalformedJSON', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

function optString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new AdminError(400, 'InvalidArgument', `"${name}" must be a string`);
  return v;
}

function userView(u: User): Record<string, unknown> {
  return { id: u.id, displayName: u.displayName, email: u.email, createdAt: u.createdAt, suspended: !!u.suspended };
}

async function requireUser(engine: EngineApi, id: string): Promise<User> {
  const u = await engine.getUser(id);
  if (!u) throw new AdminError(404, 'NoSuchEntity', `The user with name ${id} cannot be found.`);
  return u;
}

/**
 * Admission: only the root, with a bearer token derived from one of its keys, or (the web
 * console) a root console session plus the console's CSRF header.
 */
function rootOnly(engine: EngineApi, o: AdminAppOptions, sessions: ConsoleSessions): Koa.Middleware {
  const rootSignature = adminTokenSignature(o.rootSecretAccessKey);
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const sessionId = header ? undefined : sessionIdOf(ctx);
    if (sessionId) {
      const caller = await sessions.caller(sessionId);
      if (!caller) throw new AdminError(401, 'Unauthorized', 'the console session has ended: sign in again');
      requireConsoleHeader(ctx);
      if (!caller.root) throw new AdminError(403, 'AccessDenied', 'only the root user may use the admin API');
      ctx.state.user = caller.userId;
      return next();
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      ctx.set('WWW-Authenticate', 'Bearer realm="cairn-admin"');
      throw new AdminError(401, 'Unauthorized', 'the admin API needs "Authorization: Bearer <accessKeyId>:<hex HMAC-SHA256(secret, \\"cairn-admin\\")>"');
    }
    const token = parseAdminToken(m[1]);
    if (!token) throw new AdminError(401, 'Unauthorized', 'malformed bearer token');
    let userId: string | undefined;
    if (token.accessKeyId === o.rootAccessKeyId) {
      if (signaturesEqual(token.signature, rootSignature)) userId = ROOT_USER_ID;
    } else {
      const found = await engine.lookupAccessKey(token.accessKeyId);
      if (found && signaturesEqual(token.signature, adminTokenSignature(found.secretAccessKey))) {
        if (found.user.suspended) throw new AdminError(403, 'UserSuspended', 'The user has been suspended.');
        userId = found.user.id;
      }
    }
    if (userId === undefined) throw new AdminError(401, 'Unauthorized', 'invalid bearer token');
    if (userId !== ROOT_USER_ID) throw new AdminError(403, 'AccessDenied', 'only the root user may use the admin API');
    ctx.state.user = userId;
    await next();
  };
}

export function createAdminRouter(engine: EngineApi): Router {
  const r = new Router({ prefix: '/admin' });

  r.get('/health', async (ctx) => {
    ctx.body = { status: 'ok', region: engine.options.region };
  });

  r.get('/users', async (ctx) => {
    ctx.body = { users: (await engine.listUsers()).map(userView) };
  });
  r.post('/users', async (ctx) => {
    const body = await readJson(ctx);
    const id = optString(body, 'id');
    if (!id) throw new AdminError(400, 'InvalidArgument', '"id" is required');
    const withKey = body.accessKey === undefined ? true : body.accessKey === true;
    const { user, accessKey } = await engine.createUser(
      { id, displayName: optString(body, 'displayName'), email: optString(body, 'email') },
      { withAccessKey: withKey },
    );
    ctx.status = 201;
    ctx.body = { user: userView(user), accessKey };
  });
  r.get('/users/:id', async (ctx) => {
    const user = await requireUser(engine, ctx.params.id);
    ctx.body = { user: userView(user), accessKeys: await engine.listAccessKeys(user.id) };
  });
  r.patch('/users/:id', async (ctx) => {
    const body = await readJson(ctx);
    for (const k of Object.keys(body)) {
      if (k !== 'displayName' && k !== 'email') throw new AdminError(400, 'InvalidArgument', `"${k}" cannot be changed (only displayName and email)`);
    }
    const email = body.email === null ? null : optString(body, 'email');
    ctx.body = { user: userView(await engine.updateUser(ctx.params.id, { displayName: optString(body, 'displayName'), email })) };
  });
  r.delete('/users/:id', async (ctx) => {
    await engine.deleteUser(ctx.params.id);
    ctx.status = 204;
  });
  r.post('/users/:id/suspend', async (ctx) => {
    ctx.body = { user: userView(await engine.setUserSuspended(ctx.params.id, true)) };
  });
  r.post('/users/:id/reactivate', async (ctx) => {
    ctx.body = { user: userView(await engine.setUserSuspended(ctx.params.id, false)) };
  });

  r.get('/users/:id/keys', async (ctx) => {
    ctx.body = { accessKeys: await engine.listAccessKeys(ctx.params.id) };
  });
  r.post('/users/:id/keys', async (ctx) => {
    const body = await readJson(ctx);
    const accessKeyId = optString(body, 'accessKeyId');
    const secretAccessKey = optString(body, 'secretAccessKey');
    ctx.status = 201;
    ctx.body = { accessKey: await engine.createAccessKey(ctx.params.id, { accessKeyId, secretAccessKey }) };
  });
  r.delete('/users/:id/keys/:akid', async (ctx) => {
    await engine.deleteAccessKey(ctx.params.id, ctx.params.akid);
    ctx.status = 204;
  });
  r.post('/users/:id/keys/:akid/rotate', async (ctx) => {
    ctx.body = { accessKey: await engine.rotateAccessKey(ctx.params.id, ctx.params.akid) };
  });

  r.get('/buckets', async (ctx) => {
    const buckets: Record<string, unknown>[] = [];
    for (const u of await engine.listUsers()) {
      for (const b of (await engine.listBuckets(u.id)).buckets) {
        buckets.push({ name: b.name, owner: b.owner, createdAt: b.createdAt.toISOString(), region: b.region });
      }
    }
    buckets.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
    ctx.body = { buckets };
  });

  // Workers (lifecycle, ...) wherever they run, with their leases; and the change feed's backlog.
  r.get('/workers', async (ctx) => {
    ctx.body = { workers: await engine.workerStatus(), feed: await engine.feedStatus() };
  });
  r.get('/feed', async (ctx) => {
    ctx.body = { feed: await engine.feedStatus() };
  });

  r.get('/usage', async (ctx) => {
    const u = await engine.usage();
    ctx.body = {
      store: { ...u, dedupRatio: u.physicalBytes > 0 ? u.logicalBytes / u.physicalBytes : null },
      accounts: await engine.accountUsage(),
    };
  });

  return r;
}

export function createAdminApp(engine: EngineApi, o: AdminAppOptions): Koa {
  if (!o?.rootAccessKeyId || !o.rootSecretAccessKey) throw new TypeError('createAdminApp needs the root credentials');
  const app = new Koa();
  app.silent = true;
  const router = createAdminRouter(engine);
  const sessions = new ConsoleSessions(engine, { accessKeyId: o.rootAccessKeyId, secretAccessKey: o.rootSecretAccessKey });
  if (o.log) {
    const log = o.log;
    app.use(async (ctx, next) => {
      const started = performance.now();
      ctx.res.once('close', () =>
        log({ method: ctx.method, path: ctx.path, status: ctx.res.statusCode, ms: performance.now() - started, user: ctx.state.user }),
      );
      await next();
    });
  }
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AdminError(404, 'NotFound', `no route ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405) ctx.body = { error: { code: 'MethodNotAllowed', message: `${ctx.method} is not allowed on ${ctx.path}` } };
    } catch (e) {
      const r = toAdminError(e);
      if (r.unexpected !== undefined)
        (o.logError ?? ((x) => process.stderr.write(JSON.stringify(x) + '\n')))({
          msg: 'admin API error',
          error: (r.unexpected as Error)?.stack ?? String(r.unexpected),
        });
      ctx.status = r.status;
      ctx.body = { error: { code: r.code, message: r.message } };
    }
  });
  app.use(metricsRoute(o.metrics));
  app.use(consoleStatic(o.consoleDir ?? defaultConsoleDir()));
  if (o.s3Endpoint) {
    const console = consoleRouter(engine, {
      sessions,
      s3: { endpoint: o.s3Endpoint, region: engine.options.region },
      s3PublicEndpoint: o.s3PublicEndpoint,
      workers: o.metrics?.workers ? () => o.metrics!.workers!() : undefined,
      readJson,
    });
    app.use(console.routes());
  }
  app.use(rootOnly(engine, o, sessions));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(replicationRouter(o.replication).routes());
  return app;
}

/** Per-peer replication backlog and resync; 404 NotConfigured when the server is not a zone. */
function replicationRouter(replication: ReplicationProvider | undefined): Router {
  const r = new Router({ prefix: '/admin/replication' });
  const need = (): ReplicationProvider => {
    if (!replication) throw new AdminError(404, 'NotConfigured', 'this server has no --zone / --peer (zone replication is off)');
    return replication;
  };
  r.get('/', async (ctx) => {
    ctx.body = await need().status();
  });
  r.post('/resync', async (ctx) => {
    const body = await readJson(ctx);
    const bucket = optString(body, 'bucket');
    if (!bucket) throw new AdminError(400, 'InvalidArgument', '"bucket" is required');
    ctx.body = await need().resync(bucket, optString(body, 'peer'));
  });
  return r;
}
