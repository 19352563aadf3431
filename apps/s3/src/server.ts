/**
 * startServer: bind the port(s), open the engine, provision users, then serve with the koa app.
 *
 * HTTP settings: no whole-request deadline (a 5 GiB upload may take long) but a 60 s headers
 * deadline and a 5 min idle-socket timeout; keep-alive; Node's default 16 KiB header limit,
 * with oversized or unparsable requests answered in S3's XML (RequestHeaderSectionTooLarge,
 * ...) from 'clientError'. `Expect: 100-continue` is answered when the handler first reads
 * the body (http/expectContinue.ts).
 *
 * close(): stop accepting, let in-flight requests finish (responses then carry
 * `Connection: close`) for at most `shutdownGraceMs`, close idle keep-alive connections, cut
 * what is left after the grace, then close the engine.
 *
 * Background GC (engine runGcPass) runs every `gcIntervalMs` from the start until close().
 */
import http, { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import {
  Engine,
  DEFAULT_GC_GRACE_MS,
  KNOWN_WORKERS,
  NOTIFY_WORKERS,
  RpcServer,
  WorkerRunner,
  createWorker,
  fsck,
  openedInEarlierBoot,
  type EngineOptions,
  type UserInput,
} from '@cairn/engine';
import { startNotifyWorkers, prepareNotifyConsumers, type NotifyRuntimeOptions } from './notifications/runtime';
import { checkTargetUrl, redactUrl, type NotifyTargetSpec } from './notifications/target';
import { createAdminApp } from '@cairn/admin';
import { createApp } from './app';
import type { ServerConfig } from './context';
import { ERROR_TABLE, type S3ErrorCode } from './errors';
import { expectContinue } from './http/expectContinue';
import { newHostId, newRequestId, type AccessLogSink } from './middleware/requestContext';
import type { ErrorLogger } from './middleware/errorResponder';
import { normalizeDomains } from './http/route';
import { renderError } from './xml/error';
import { createLogger, type LogFormat, type Logger } from './observability/logger';
import { CairnMetrics, type RequestObservation } from './observability/metrics';
import { Zones } from './replication/zones';
import { checkPeers, validateZoneName, type Peer } from './replication/peers';
import type { LevelWithSilent } from 'pino';
import { guarded, reportEscapedError } from './http/escapedErrors';

export const DEFAULT_DOMAINS = ['s3.localhost'];
/** Background GC: a bounded pass this often (sooner while a cycle is unfinished). */
export const DEFAULT_GC_INTERVAL_MS = 30_000;
export { DEFAULT_GC_GRACE_MS };
export const DEFAULT_REGION = 'us-east-1';

export interface ServerOptions {
  dataDir: string;
  /**
   * Metadata in PostgreSQL (`postgres://USER[:PASS]@HOST:PORT/DB[?schema=NAME]`) instead of
   * LevelDB in dataDir/meta: several servers ("gateways") may then share the database and
   * dataDir's chunks (README "Several gateways"). No worker socket then (dataDir is shared):
   * `cairn worker --meta` opens the database itself.
   */
  meta?: string;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Virtual-host base domains; default ["s3.localhost"]. */
  domains?: string[];
  /** Website-endpoint base domains (`<bucket>.<domain>` is the bucket's static site); default none. */
  websiteDomains?: string[];
  region?: string;
  fsync?: boolean;
  /**
   * The default placement's chunks as objects in another S3 service instead of dataDir/chunks:
   * `s3://BUCKET/PREFIX?endpoint=URL` (engine EngineOptions.chunks), with `chunkCredentials`
   * (else the AWS SDK's default chain).
   */
  chunks?: string;
  chunkCredentials?: EngineOptions['chunkCredentials'];
  /** Extra chunk directories by placement name, and which storage class uses which (engine placement.ts). */
  placements?: Record<string, string>;
  storageClassPlacement?: EngineOptions['storageClassPlacement'];
  /** No access log. */
  quiet?: boolean;
  /** Escaped errors name the request that caused them (escapedErrors.ts; costs CPU on every request). */
  traceRequests?: boolean;
  rootAccessKeyId?: string;
  rootSecretAccessKey?: string;
  /** Users to create or update at start. */
  users?: UserInput[];
  /** A JSON file holding an array of users, upserted at start. */
  usersFile?: string;
  accessLog?: AccessLogSink;
  logError?: ErrorLogger;
  /** How long close() waits for in-flight requests before cutting connections. Default 30 s. */
  shutdownGraceMs?: number;
  /**
   * Called as soon as root keys are generated (first start without given keys), before the rest
   * of the start can fail: the caller shows them then, or they would be stored but never seen.
   */
  onRootGenerated?: (root: { accessKeyId: string; secretAccessKey: string }) => void;
  /** Also serve the admin API (@cairn/admin) on this port (0 = any free port), same host and engine. */
  adminPort?: number;
  /** Workers run in this process (engine workers/registry.ts). Default: every known one; [] = none. */
  workers?: string[];
  /** Length of a lifecycle "day" in seconds (tests); default 86400. */
  lifecycleDaySeconds?: number;
  /** With the default day: UTC hour of the lifecycle worker's daily pass (default 0). */
  lifecycleHourUtc?: number;
  /** This server's zone name (zone replication); required with `peers`. */
  zone?: string;
  /** Peer zones (replication/peers.ts): where replication rules send new versions. */
  peers?: Peer[];
  /** Run the replication workers in this process (default true; they run in-process only). */
  replicationWorkers?: boolean;
  /** Worker lease time-to-live (ms); default 30 s. */
  workerLeaseTtlMs?: number;
  /** Serve the worker RPC socket DIR/cairn.sock for `cairn worker ...` processes. Default true. */
  workerSocket?: boolean;
  /** Log level (pino) for access, error, startup and worker messages; default info. */
  logLevel?: LevelWithSilent;
  /** json (default): one JSON object per line; pretty: short lines for a terminal. */
  logFormat?: LogFormat;
  /** Where log lines go (default stdout); tests collect them. */
  logDestination?: NodeJS.WritableStream;
  /** When set, the admin port's GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Buckets with their own cairn_bucket_* series (largest first); default 100. */
  metricsMaxBuckets?: number;
  /** Background GC: one bounded pass every this many ms (default 30 s); 0 turns it off. */
  gcIntervalMs?: number;
  /** How long an unreferenced chunk stays before GC removes it (default 60 s). */
  gcGraceMs?: number;
  /** Markers / chunk files one GC pass looks at (default the engine's DEFAULT_GC_PASS_LIMIT). */
  gcPassLimit?: number;
  /** The chunk stores' file operations (engine ChunkFileSystem): a seam for fault-injection tests. */
  chunkFileSystem?: EngineOptions['chunkFileSystem'];
  /** Bucket-notification targets (`--notify-target NAME=URL`, notifications/target.ts). */
  notifyTargets?: NotifyTargetSpec[];
  /** Delivery tuning of the notification workers (tests shorten the retry backoff). */
  notify?: Omit<NotifyRuntimeOptions, 'region'>;
  /** The change feed's backlog limit (engine feedMaxEvents; default 1,000,000). */
  feedMaxEvents?: number;
}

export interface RunningServer {
  port: number;
  host: string;
  /** http://host:port (IPv6 hosts bracketed). */
  endpoint: string;
  engine: Engine;
  region: string;
  domains: string[];
  /** Website-endpoint domains (normalised); empty when none was configured. */
  websiteDomains: string[];
  /** The root user's keys, and whether they were generated by this start. */
  root: { accessKeyId: string; secretAccessKey: string; created: boolean };
  /** The in-process workers' runners (stopped by close()). */
  workers: WorkerRunner[];
  /** Path of the worker RPC socket, when it is served. */
  workerSocketPath?: string;
  /** The admin API's port, when ServerOptions.adminPort was given. */
  adminPort?: number;
  /** http://host:adminPort, when the admin API runs. */
  adminEndpoint?: string;
  /** The configured notification targets (names and URLs without passwords). */
  notifyTargets: { name: string; displayUrl: string }[];
  /** The Prometheus metrics (served on the admin port); workers register their queues here. */
  metrics: CairnMetrics;
  /** Zone replication (peers, workers, backlog, resync), when a zone was configured. */
  zones?: Zones;
  /** The process logger (pino). */
  logger: Logger;
  /** True once close() began: new connections are refused, `/-/health/ready` answers 503. */
  readonly draining: boolean;
  close(): Promise<void>;
}

/** Parse and check a users document (the `--users FILE` format). */
export function parseUsers(json: unknown, source = 'users'): UserInput[] {
  if (!Array.isArray(json)) throw new Error(`${source}: expected a JSON array of users`);
  return json.map((u: unknown, i: number) => {
    const o = u as Record<string, unknown>;
    const bad = (f: string) => new Error(`${source}[${i}]: "${f}" must be a non-empty string`);
    if (!o || typeof o !== 'object') throw new Error(`${source}[${i}]: expected an object`);
    for (const f of ['id', 'accessKeyId', 'secretAccessKey']) if (typeof o[f] !== 'string' || o[f] === '') throw bad(f);
    for (const f of ['displayName', 'email']) if (o[f] !== undefined && typeof o[f] !== 'string') throw bad(f);
    return {
      id: o.id as string,
      displayName: o.displayName as string | undefined,
      email: o.email as string | undefined,
      accessKeyId: o.accessKeyId as string,
      secretAccessKey: o.secretAccessKey as string,
    };
  });
}

/** Access-log records as pino lines ("request"); pino stamps its own time. 5xx are errors. */
function accessLogToLogger(logger: Logger): AccessLogSink {
  return (line) => {
    const { time: _time, ...rest } = line;
    if (typeof rest.status === 'number' && rest.status >= 500) logger.error(rest, 'request');
    else logger.info(rest, 'request');
  };
}

function rawErrorResponse(status: number, code: S3ErrorCode): string {
  const requestId = newRequestId();
  const hostId = newHostId();
  const body = renderError({ code, message: ERROR_TABLE[code].message, requestId, hostId });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${hostId}\r\nServer: Cairn\r\n` +
    `Date: ${new Date().toUTCString()}\r\nConnection: close\r\n\r\n${body}`
  );
}

function onClientError(err: Error & { code?: string }, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  let status = 400;
  let code: S3ErrorCode = 'InvalidRequest';
  if (err.code === 'HPE_HEADER_OVERFLOW') code = 'RequestHeaderSectionTooLarge';
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    code = 'RequestTimeout';
  }
  socket.end(rawErrorResponse(status, code));
}

/** Listens, or rejects with the bind error (EADDRINUSE, EACCES, ...). */
function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function closeNow(server: http.Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return done;
}

/**
 * A request listener installed before the app exists: the ports are bound first (see
 * startServer), and a request that arrives while the store opens waits for it.
 */
function deferredListener(): { listener: http.RequestListener; set(l: http.RequestListener): void } {
  let target: http.RequestListener | undefined;
  const waiting: Array<[http.IncomingMessage, http.ServerResponse]> = [];
  return {
    listener: (req, res) => {
      if (target) target(req, res);
      else waiting.push([req, res]);
    },
    set(l) {
      target = l;
      for (const [req, res] of waiting.splice(0)) l(req, res);
    },
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const region = options.region ?? DEFAULT_REGION;
  for (const t of options.notifyTargets ?? []) checkTargetUrl(t.name, t.url);
  const users = [...(options.users ?? [])];
  if (options.usersFile) {
    const text = await readFile(options.usersFile, 'utf8');
    users.push(...parseUsers(JSON.parse(text), options.usersFile));
  }

  // Bind before the store is opened: root keys generated on a first start must never be stored
  // by a start that then fails to listen (EADDRINUSE), or they would never be printed.
  let closing = false;
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAlive: true, keepAliveTimeout: 65_000 });
  const s3Listener = deferredListener();
  server.on('request', s3Listener.listener);
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    expectContinue(req, res);
    s3Listener.listener(req, res);
  });
  // S3 ignores Expect values other than 100-continue; Node would answer them 417 on its own.
  server.on('checkExpectation', s3Listener.listener);
  server.on('clientError', onClientError);
  server.setTimeout(5 * 60_000);
  const port = await listen(server, options.port, options.host);
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  let adminServer: http.Server | undefined;
  let adminPort: number | undefined;
  const adminListener = deferredListener();
  if (options.adminPort !== undefined) {
    adminServer = http.createServer({ headersTimeout: 60_000, requestTimeout: 60_000 }, adminListener.listener);
    try {
      adminPort = await listen(adminServer, options.adminPort, options.host);
    } catch (e) {
      await closeNow(server);
      throw e;
    }
  }

  let engine: Engine;
  try {
    if (!options.meta) await recoverAfterUncleanReboot(options);
    engine = await Engine.open({
      dataDir: options.dataDir,
      fsync: options.fsync ?? true,
      region,
      placements: options.placements,
      storageClassPlacement: options.storageClassPlacement,
      lifecycleDaySeconds: options.lifecycleDaySeconds,
      gcGraceMs: options.gcGraceMs,
      chunkFileSystem: options.chunkFileSystem,
      feedMaxEvents: options.feedMaxEvents,
      ...(options.meta ? { meta: options.meta } : {}),
      ...(options.chunks ? { chunks: options.chunks, chunkCredentials: options.chunkCredentials } : {}),
    });
  } catch (e) {
    await Promise.all([closeNow(server), closeNow(adminServer)]);
    throw e;
  }
  let rpc: RpcServer | undefined;
  let zones: Zones | undefined;
  try {
    const root = await engine.ensureRootUser({ accessKeyId: options.rootAccessKeyId, secretAccessKey: options.rootSecretAccessKey });
    if (root.created) options.onRootGenerated?.({ accessKeyId: root.accessKeyId, secretAccessKey: root.secretAccessKey });
    for (const u of users) await engine.upsertUser(u);
    // Before the first request: every configured target's feed consumer exists, so no change is missed.
    const notifyTargets = options.notifyTargets ?? [];
    await prepareNotifyConsumers(engine, notifyTargets, (msg) => {
      if (!options.quiet) process.stderr.write(`cairn: ${msg}\n`);
    });

    const config: ServerConfig = {
      region,
      domains: normalizeDomains(options.domains ?? DEFAULT_DOMAINS),
      websiteDomains: normalizeDomains(options.websiteDomains ?? []),
      notifyTargets: notifyTargets.map((t) => t.name),
    };
    // Zone replication: each peer's feed consumer exists before the first request is served,
    // so no write of this start is missed by it.
    if (options.zone !== undefined || options.peers?.length) {
      if (options.zone === undefined) throw new Error('peers need a zone name for this server (--zone NAME)');
      validateZoneName(options.zone);
      zones = new Zones(engine, {
        zone: options.zone,
        peers: checkPeers(options.zone, options.peers ?? []),
        region,
        runWorkers: options.replicationWorkers !== false,
        leaseTtlMs: options.workerLeaseTtlMs,
        log: (msg) => {
          if (!options.quiet) process.stderr.write(`cairn: ${msg}\n`);
        },
      });
      await zones.registerConsumers();
      config.zones = zones;
    }
    const logger = createLogger({ level: options.logLevel, format: options.logFormat, destination: options.logDestination });
    const logError = options.logError ?? ((entry: Record<string, unknown>) => logger.error(entry));
    const accessLog = options.accessLog ?? accessLogToLogger(logger);
    const metrics = new CairnMetrics(engine, { maxBuckets: options.metricsMaxBuckets });
    const app = createApp({
      engine,
      config,
      quiet: options.quiet,
      traceRequests: options.traceRequests,
      accessLog,
      observe: (line) => metrics.observeRequest(line as unknown as RequestObservation),
      logError,
      health: { draining: () => closing, chunks: options.chunks },
    });
    const handle = app.callback();
    s3Listener.set((req, res) => {
      if (closing) res.setHeader('Connection', 'close');
      res.once(
        'finish',
        guarded('drain idle connections', undefined, () => {
          if (closing) server.closeIdleConnections();
        }),
      );
      // koa catches what the middleware throws; this catches what its own error path throws.
      handle(req, res).catch((e: unknown) => {
        reportEscapedError('unhandledRejection', e, undefined, 'koa request handler');
        res.destroy();
      });
    });

    if (adminServer) {
      const admin = createAdminApp(engine, {
        rootAccessKeyId: root.accessKeyId,
        rootSecretAccessKey: root.secretAccessKey,
        logError,
        metrics: { contentType: metrics.contentType, render: () => metrics.render(), workers: () => metrics.workers(), token: options.metricsToken },
        replication: zones && { status: () => zones!.status(), resync: (bucket, peer) => zones!.resync(bucket, peer) },
        // The console's S3 proxy connects here: the wildcard addresses mean "this machine".
        s3Endpoint: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host === '::' ? '[::1]' : hostForUrl}:${port}`,
        log: options.quiet ? undefined : (entry) => logger.info(entry, 'admin request'),
      });
      adminListener.set(admin.callback());
    }

    // Workers: the worker RPC socket (for workers in their own processes) and the in-process ones.
    if (options.workerSocket ?? !options.meta) rpc = await RpcServer.listen(engine, options.dataDir);
    const log = (msg: string) => {
      if (!options.quiet) process.stderr.write(`cairn: ${msg}\n`);
    };
    const workerNames = options.workers ?? [...KNOWN_WORKERS];
    const workers = workerNames
      .filter((name) => name !== NOTIFY_WORKERS)
      .map(
        (name) =>
          new WorkerRunner(engine, createWorker(name, { lifecycle: { hourUtc: options.lifecycleHourUtc } }), {
            mode: 'in-process',
            leaseTtlMs: options.workerLeaseTtlMs,
            log,
          }),
      );
    for (const w of workers) w.start();
    // One notification worker per target (notify:<target>), when `notify` is among the workers.
    const notify = startNotifyWorkers(
      engine,
      workerNames.includes(NOTIFY_WORKERS) ? notifyTargets : [],
      { ...options.notify, region, log: options.notify?.log ?? log },
      { mode: 'in-process', leaseTtlMs: options.workerLeaseTtlMs, log },
    );
    workers.push(...notify.runners);
    if (zones) {
      await zones.start();
      metrics.registerWorkerMetricsSource(zones.metricsSource);
    }
    // Worker queues for /metrics: each worker's status record plus the change feed's backlog.
    metrics.registerWorkerMetricsSource(async () => {
      const [statuses, feed] = await Promise.all([engine.workerStatus(), engine.feedStatus()]);
      const samples = statuses.map((s) => ({ worker: s.worker, backlog: 0, oldestSeconds: 0, errors: s.errors }));
      for (const c of feed.consumers) {
        const sample = samples.find((x) => x.worker === c.name);
        const oldestSeconds = c.backlog === 0 || c.oldestAgeMs === null ? 0 : c.oldestAgeMs / 1000;
        if (sample) Object.assign(sample, { backlog: c.backlog, oldestSeconds });
        else samples.push({ worker: c.name, backlog: c.backlog, oldestSeconds, errors: 0 });
      }
      // Replication workers report their own, per-peer backlog (zones.metricsSource).
      return zones ? samples.filter((x) => !x.worker.startsWith('replication:')) : samples;
    });

    // Deleted and overwritten data is freed while serving: bounded GC passes in the background.
    const gcIntervalMs = options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS;
    if (gcIntervalMs > 0) {
      engine.startBackgroundGc(gcIntervalMs, (e) => logError({ msg: 'background GC pass failed', error: (e as Error)?.stack ?? String(e) }), {
        limit: options.gcPassLimit,
      });
    }

    let closed: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closed ??= (async () => {
        closing = true;
        engine.stopBackgroundGc(); // a pass in flight is bounded; engine.close() waits for it
        await Promise.all([...workers.map((w) => w.stop()), zones?.stop()]);
        await notify.close();
        await rpc?.close();
        const adminDone = closeNow(adminServer);
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Bounded drain: whatever is still in flight after the grace is cut (its upload fails
        // and commits nothing), so a slow client cannot keep the process alive.
        const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 30_000);
        grace.unref();
        await done;
        await adminDone;
        clearTimeout(grace);
        metrics.close();
        await engine.close();
      })());

    return {
      port,
      host: options.host,
      endpoint: `http://${hostForUrl}:${port}`,
      engine,
      region,
      domains: config.domains,
      websiteDomains: config.websiteDomains ?? [],
      root: { accessKeyId: root.accessKeyId, secretAccessKey: root.secretAccessKey, created: root.created },
      workers,
      notifyTargets: notifyTargets.map((t) => ({ name: t.name, displayUrl: redactUrl(checkTargetUrl(t.name, t.url)) })),
      workerSocketPath: rpc?.socketPath,
      adminPort,
      adminEndpoint: adminPort !== undefined ? `http://${hostForUrl}:${adminPort}` : undefined,
      metrics,
      zones,
      logger,
      get draining() {
        return closing;
      },
      close,
    };
  } catch (e) {
    await rpc?.close().catch(() => undefined);
    await zones?.stop().catch(() => undefined);
    await Promise.all([closeNow(server), closeNow(adminServer)]);
    await engine.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The machine went down (power loss, kernel crash) with this LevelDB store open: unacknowledged
 * group-committed batches may have survived out of order (engine meta/bootMarker.ts), so the
 * store is checked and repaired before the first request. A process crash (same boot) needs none.
 */
async function recoverAfterUncleanReboot(options: ServerOptions): Promise<void> {
  if (!(await openedInEarlierBoot(options.dataDir))) return;
  const say = (msg: string): void => {
    if (!options.quiet) process.stderr.write(`cairn: ${msg}\n`);
  };
  say(`the machine went down with ${options.dataDir} open (power loss or kernel crash): checking it (fsck --repair) before serving`);
  const report = await fsck(options.dataDir, {
    repair: true,
    placements: options.placements,
    ...(options.chunks ? { chunks: options.chunks, chunkCredentials: options.chunkCredentials } : {}),
    ...(options.gcGraceMs !== undefined ? { gcGraceMs: options.gcGraceMs } : {}),
  });
  const repaired = report.findings.filter((f) => f.repaired).length;
  if (report.unrepairable > 0) {
    throw new Error(
      `fsck found ${report.unrepairable} problem(s) it cannot repair in ${options.dataDir} after an unclean reboot; run \`cairn fsck --data ${options.dataDir}\` for details`,
    );
  }
  say(`store checked after the unclean reboot: ${report.findings.length} finding(s), ${repaired} repaired, in ${report.stats.durationMs} ms`);
}
