#!/usr/bin/env node
/**
 * The `cairn` command.
 *
 *   cairn serve [--data DIR] [--port N] [--host ADDR] [--domain NAME ...] [--website-domain NAME ...] [--region NAME]
 *               [--fsync true|false] [--users FILE] [--quiet]
 *               [--placement NAME=DIR ...] [--class-placement CLASS=NAME ...] [--shutdown-grace SECONDS]
 *               [--gc-interval SECONDS] [--gc-grace SECONDS]
 *
 * Defaults: ./data, port 9000, host 127.0.0.1 (safe by default; pass --host 0.0.0.0 to listen on
 * every interface), domain s3.localhost, region us-east-1, fsync true.
 * Root credentials: CAIRN_ACCESS_KEY_ID / CAIRN_SECRET_ACCESS_KEY, else the ones persisted in the
 * store, else generated on first start (and printed that once). The endpoint is always printed.
 * SIGTERM / SIGINT: stop accepting, finish in-flight requests for at most --shutdown-grace
 * seconds (then cut them), close the database, exit 0; a second signal exits at once.
 * Errors escaping the request path are logged and counted, and the server keeps serving
 * (escapedErrors.ts explains why).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startServer, DEFAULT_REGION, DEFAULT_DOMAINS, DEFAULT_GC_GRACE_MS, DEFAULT_GC_INTERVAL_MS, type RunningServer } from './server';
import { adminMain, ADMIN_USAGE } from './cli/adminCli';
import { fsckMain } from './cli/fsckCli';
import { parseMetaFlag } from './cli/metaArg';
import { chunkCredentialsFromEnv, parseChunksFlag } from './cli/chunksArg';
import { workerMain } from './cli/workerCli';
import { parseNotifyTarget, type NotifyTargetSpec } from './notifications/target';
import { describeS3Location, isS3ChunkUrl, parseS3ChunkUrl, parseWorkerList } from '@cairn/engine';
import { parseClassPlacements, parsePlacements } from './cli/placementArgs';
import { parsePeerArg, parsePeersFile, validateZoneName, type Peer } from './replication/peers';
import { UsageError, describeServeError } from './cli/cliErrors';
import { installCrashPolicy } from './http/escapedErrors';
import { handleStopSignals } from './cli/serveSignals';
import type { StorageClass } from '@cairn/engine';
import type { LevelWithSilent } from 'pino';
import { LOG_LEVELS, type LogFormat } from './observability/logger';

const USAGE = `usage: cairn serve [--data DIR] [--meta URL] [--chunks s3://BUCKET/PREFIX?endpoint=URL] [--port N] [--host ADDR] [--domain NAME ...] [--website-domain NAME ...]
                   [--region NAME] [--fsync true|false] [--users FILE] [--quiet]
                   [--placement NAME=DIR ...] [--class-placement CLASS=NAME ...]
                   [--shutdown-grace SECONDS]
                   [--gc-interval SECONDS] [--gc-grace SECONDS]
                   [--notify-target NAME=URL ...] [--feed-max-events N]
                   [--zone NAME] [--peer NAME=http://AK:SK@host:port ...] [--peers FILE]

  --data DIR        data directory (metadata + chunks)          default ./data
  --meta URL        metadata in PostgreSQL: postgres://USER[:PASS]@HOST:PORT/DB[?schema=NAME]
                    (several gateways share it and DIR's chunks; default: LevelDB in DIR/meta)
  --chunks URL      chunks as objects in another S3 service instead of DIR/chunks:
                    s3://BUCKET/PREFIX?endpoint=URL[&region=R][&forcePathStyle=true|false]; credentials
                    from CAIRN_CHUNKS_ACCESS_KEY_ID / CAIRN_CHUNKS_SECRET_ACCESS_KEY, else the AWS SDK chain
  --port N          listening port (0 = any free port)          default 9000
  --host ADDR       listening address                           default 127.0.0.1
  --domain NAME     virtual-host base domain (repeatable)       default ${DEFAULT_DOMAINS.join(', ')}
  --website-domain NAME  static-website endpoint base domain: <bucket>.NAME (repeatable; default none)
  --region NAME     region reported and expected in signatures  default ${DEFAULT_REGION}
  --fsync BOOL      fsync data before acknowledging writes      default true
  --users FILE      JSON array of users to create/update at start
  --admin-port N    also serve the admin API on this port (same host)
  --quiet           no access log
  --trace-requests  log escaped errors with the id of the request that caused them (async
                    context tracking: ~10-25% more CPU per small request on Node 20)
  --log-level L     fatal|error|warn|info|debug|trace|silent     default info
  --log-format F    json (one object per line) | pretty          default json
  --metrics-token T GET /metrics on the admin port requires "Authorization: Bearer T"
  --metrics-max-buckets N  buckets with their own cairn_bucket_* series   default 100
  --placement NAME=DIR         extra chunk directory (e.g. another disk) or s3:// URL (repeatable)
  --class-placement CLASS=NAME storage class whose chunks go to placement NAME (repeatable);
                               unmapped classes use the data directory ("default")
  --workers LIST               workers run in this process: all (default), none, or names: lifecycle, notify, replication
  --notify-target NAME=URL     a bucket-notification target (repeatable): http(s)://... (webhook POST),
                               amqp://...?exchange=E&routing-key=K, mqtt://...?topic=T; bucket
                               configurations name it as arn:aws:sns:<region>:cairn:NAME
  --worker-lease-ttl-seconds N worker lease time-to-live (default 30): after a kill -9, the
                               restarted server's workers resume once the old leases expired
  --feed-max-events N          change-feed backlog limit (default 1000000): beyond it the oldest
                               events are dropped (a target down that long loses notifications)
  --zone NAME                  this server's zone name (zone replication)
  --peer NAME=URL              a peer zone: http://ACCESS_KEY:SECRET@host:port (userinfo percent-encoded;
                               repeatable); the credentials are a user on the peer allowed to replicate
  --peers FILE                 peer zones from a JSON file (keeps secrets off the command line)
  --lifecycle-day-seconds N    length of a lifecycle "day" (tests; default 86400)
  --lifecycle-hour H           UTC hour of the daily lifecycle pass (default 0)
  --shutdown-grace SECONDS     on SIGTERM/SIGINT, how long in-flight requests may finish
                               before they are cut (a second signal exits at once)  default 30
  --gc-interval SECONDS  background GC: one bounded pass this often (0 = off)  default ${DEFAULT_GC_INTERVAL_MS / 1000}
  --gc-grace SECONDS     keep unreferenced chunks this long before GC frees them  default ${DEFAULT_GC_GRACE_MS / 1000}
  -h, --help        this text

       cairn admin ...   (the admin API's client; \`cairn admin help\`)
       cairn worker NAME --data DIR ...   (a worker in its own process beside \`cairn serve\`; \`cairn worker --help\`)
       cairn fsck [--data DIR] [--placement NAME=DIR ...] [--repair] [--json]   (offline consistency check; \`cairn fsck --help\`)

Root credentials: CAIRN_ACCESS_KEY_ID / CAIRN_SECRET_ACCESS_KEY, else persisted in the store,
else generated on first start and printed once.`;

export interface ServeArgs {
  data: string;
  meta?: string;
  /** `--chunks s3://…` and its credentials (cli/chunksArg.ts). */
  chunks?: string;
  chunkCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  port: number;
  host: string;
  domains?: string[];
  websiteDomains?: string[];
  region: string;
  fsync: boolean;
  users?: string;
  quiet: boolean;
  traceRequests: boolean;
  adminPort?: number;
  placements?: Record<string, string>;
  storageClassPlacement?: Partial<Record<StorageClass, string>>;
  workers?: string[];
  /** Replication workers in this process (`--workers` all, or a list naming replication). */
  replicationWorkers: boolean;
  workerLeaseTtlMs?: number;
  zone?: string;
  peers?: Peer[];
  lifecycleDaySeconds?: number;
  lifecycleHourUtc?: number;
  logLevel: LevelWithSilent;
  logFormat: LogFormat;
  metricsToken?: string;
  metricsMaxBuckets?: number;
  shutdownGraceSeconds: number;
  help: boolean;
  gcIntervalMs: number;
  gcGraceMs: number;
  notifyTargets?: NotifyTargetSpec[];
  feedMaxEvents?: number;
}

/** A non-negative number of seconds (fractions allowed) → ms. */
function seconds(flag: string, v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new Error(`${flag}: expected a number of seconds, got ${v}`);
  return Math.round(Number(v) * 1000);
}

export function parseServeArgs(argv: string[]): ServeArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string', default: './data' },
      meta: { type: 'string' },
      chunks: { type: 'string' },
      port: { type: 'string', default: '9000' },
      host: { type: 'string', default: '127.0.0.1' },
      domain: { type: 'string', multiple: true },
      'website-domain': { type: 'string', multiple: true },
      region: { type: 'string', default: DEFAULT_REGION },
      fsync: { type: 'string', default: 'true' },
      users: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'trace-requests': { type: 'boolean', default: false },
      'admin-port': { type: 'string' },
      placement: { type: 'string', multiple: true },
      'class-placement': { type: 'string', multiple: true },
      workers: { type: 'string' },
      zone: { type: 'string' },
      peer: { type: 'string', multiple: true },
      peers: { type: 'string' },
      'lifecycle-day-seconds': { type: 'string' },
      'lifecycle-hour': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'log-format': { type: 'string', default: 'json' },
      'metrics-token': { type: 'string' },
      'metrics-max-buckets': { type: 'string' },
      'shutdown-grace': { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h', default: false },
      'gc-interval': { type: 'string', default: String(DEFAULT_GC_INTERVAL_MS / 1000) },
      'gc-grace': { type: 'string', default: String(DEFAULT_GC_GRACE_MS / 1000) },
      'notify-target': { type: 'string', multiple: true },
      'feed-max-events': { type: 'string' },
      'worker-lease-ttl-seconds': { type: 'string' },
    },
  });
  const logLevel = values['log-level']! as LevelWithSilent;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  const logFormat = values['log-format']! as LogFormat;
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new Error(`--log-format: expected json or pretty, got ${logFormat}`);
  const maxBucketsRaw = values['metrics-max-buckets'];
  if (maxBucketsRaw !== undefined && !/^\d+$/.test(maxBucketsRaw)) throw new Error(`--metrics-max-buckets: not a number: ${maxBucketsRaw}`);
  if (values['metrics-token'] === '') throw new Error('--metrics-token: must not be empty');
  if (positionals.length) throw new Error(`unexpected argument: ${positionals[0]}`);
  const grace = values['shutdown-grace']!;
  if (!/^\d+(\.\d+)?$/.test(grace)) throw new Error(`--shutdown-grace: not a number of seconds: ${grace}`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port!) || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const adminPortRaw = values['admin-port'];
  if (adminPortRaw !== undefined && (!/^\d+$/.test(adminPortRaw) || Number(adminPortRaw) > 65535))
    throw new Error(`--admin-port: not a port number: ${adminPortRaw}`);
  const fsync = values.fsync!.toLowerCase();
  if (fsync !== 'true' && fsync !== 'false') throw new Error(`--fsync: expected true or false, got ${values.fsync}`);
  const daySeconds = values['lifecycle-day-seconds'] !== undefined ? Number(values['lifecycle-day-seconds']) : undefined;
  if (daySeconds !== undefined && !(Number.isFinite(daySeconds) && daySeconds > 0))
    throw new Error(`--lifecycle-day-seconds: expected a positive number, got ${values['lifecycle-day-seconds']}`);
  const hour = values['lifecycle-hour'] !== undefined ? Number(values['lifecycle-hour']) : undefined;
  if (hour !== undefined && !(Number.isInteger(hour) && hour >= 0 && hour <= 23))
    throw new Error(`--lifecycle-hour: expected 0..23, got ${values['lifecycle-hour']}`);
  const notifyTargets = (values['notify-target'] ?? []).map(parseNotifyTarget);
  const dupTarget = notifyTargets.find((t, i) => notifyTargets.findIndex((u) => u.name === t.name) !== i);
  if (dupTarget) throw new Error(`--notify-target: target ${dupTarget.name} given twice`);
  const feedMax = values['feed-max-events'];
  if (feedMax !== undefined && !(/^\d+$/.test(feedMax) && Number(feedMax) >= 1)) throw new Error(`--feed-max-events: expected an integer >= 1, got ${feedMax}`);
  // "replication" is not a registry worker (one per peer, in-process only): split it off the list.
  const workerNames = values.workers?.split(',').map((x) => x.trim());
  const replicationWorkers = values.workers === undefined || values.workers === 'all' || !!workerNames?.includes('replication');
  const registryWorkers =
    values.workers === undefined || values.workers === 'all' || values.workers === 'none'
      ? values.workers
      : workerNames!.filter((x) => x !== 'replication').join(',');
  const peers = [...(values.peer ?? []).map(parsePeerArg), ...(values.peers ? parsePeersFile(resolve(values.peers)) : [])];
  if (peers.length && values.zone === undefined) throw new Error("--peer / --peers need --zone NAME (this server's zone)");
  if (values.zone !== undefined) validateZoneName(values.zone);
  const placements = parsePlacements(values.placement);
  const chunks = parseChunksFlag(values.chunks);
  const remoteChunks = chunks !== undefined || Object.values(placements ?? {}).some(isS3ChunkUrl);
  const chunkCredentials = remoteChunks ? chunkCredentialsFromEnv() : undefined;
  return {
    ...(chunks ? { chunks } : {}),
    ...(chunkCredentials ? { chunkCredentials } : {}),
    notifyTargets,
    feedMaxEvents: feedMax !== undefined ? Number(feedMax) : undefined,
    workerLeaseTtlMs:
      values['worker-lease-ttl-seconds'] !== undefined ? Math.max(100, seconds('--worker-lease-ttl-seconds', values['worker-lease-ttl-seconds'])) : undefined,
    workers: parseWorkerList(registryWorkers),
    replicationWorkers,
    zone: values.zone,
    peers: peers.length ? peers : undefined,
    lifecycleDaySeconds: daySeconds,
    lifecycleHourUtc: hour,
    data: resolve(values.data!),
    meta: parseMetaFlag(values.meta),
    port,
    host: values.host!,
    domains: values.domain,
    websiteDomains: values['website-domain'],
    region: values.region!,
    fsync: fsync === 'true',
    users: values.users ? resolve(values.users) : undefined,
    quiet: values.quiet ?? false,
    traceRequests: values['trace-requests'] ?? false,
    adminPort: adminPortRaw !== undefined ? Number(adminPortRaw) : undefined,
    placements,
    storageClassPlacement: parseClassPlacements(values['class-placement']),
    logLevel,
    logFormat,
    metricsToken: values['metrics-token'],
    metricsMaxBuckets: maxBucketsRaw !== undefined ? Number(maxBucketsRaw) : undefined,
    shutdownGraceSeconds: Number(grace),
    help: values.help ?? false,
    gcIntervalMs: seconds('--gc-interval', values['gc-interval']!),
    gcGraceMs: seconds('--gc-grace', values['gc-grace']!),
  };
}

function printGeneratedRoot(root: { accessKeyId: string; secretAccessKey: string }): void {
  process.stderr.write(
    [
      'cairn: generated root credentials (stored in the data directory; shown only this once):',
      `  AWS_ACCESS_KEY_ID=${root.accessKeyId}`,
      `  AWS_SECRET_ACCESS_KEY=${root.secretAccessKey}`,
    ].join('\n') + '\n',
  );
}

async function serve(argv: string[]): Promise<void> {
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message, USAGE);
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const envKey = process.env.CAIRN_ACCESS_KEY_ID || undefined;
  const envSecret = process.env.CAIRN_SECRET_ACCESS_KEY || undefined;
  if ((envKey === undefined) !== (envSecret === undefined)) {
    throw new Error('set both CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY, or neither');
  }
  installCrashPolicy();
  const server: RunningServer = await startServer({
    dataDir: args.data,
    ...(args.meta ? { meta: args.meta } : {}),
    ...(args.chunks ? { chunks: args.chunks, chunkCredentials: args.chunkCredentials } : {}),
    port: args.port,
    host: args.host,
    domains: args.domains,
    websiteDomains: args.websiteDomains,
    region: args.region,
    fsync: args.fsync,
    quiet: args.quiet,
    traceRequests: args.traceRequests,
    rootAccessKeyId: envKey,
    rootSecretAccessKey: envSecret,
    usersFile: args.users,
    adminPort: args.adminPort,
    placements: args.placements,
    storageClassPlacement: args.storageClassPlacement,
    workers: args.workers,
    replicationWorkers: args.replicationWorkers,
    workerLeaseTtlMs: args.workerLeaseTtlMs,
    zone: args.zone,
    peers: args.peers,
    lifecycleDaySeconds: args.lifecycleDaySeconds,
    lifecycleHourUtc: args.lifecycleHourUtc,
    logLevel: args.logLevel,
    logFormat: args.logFormat,
    metricsToken: args.metricsToken,
    metricsMaxBuckets: args.metricsMaxBuckets,
    shutdownGraceMs: args.shutdownGraceSeconds * 1000,
    gcIntervalMs: args.gcIntervalMs,
    gcGraceMs: args.gcGraceMs,
    notifyTargets: args.notifyTargets,
    feedMaxEvents: args.feedMaxEvents,
    // Printed the moment they exist: a start that fails later must not lose them.
    onRootGenerated: printGeneratedRoot,
  }).catch((e: unknown) => {
    throw new Error(describeServeError(e, { dataDir: args.data, host: args.host, port: args.port }), { cause: e });
  });
  server.logger.info({ endpoint: server.endpoint, adminEndpoint: server.adminEndpoint, region: server.region, data: args.data }, 'started');

  const lines = [
    `cairn: serving S3 on ${server.endpoint}  (region ${server.region}, data ${args.data})`,
    `cairn: virtual-hosted style: http://<bucket>.${server.domains[0] ?? 's3.localhost'}:${server.port}`,
  ];
  if (args.chunks) {
    const via = args.chunkCredentials ? 'CAIRN_CHUNKS_ACCESS_KEY_ID' : 'the AWS SDK default credentials';
    lines.push(`cairn: chunks in ${describeS3Location(parseS3ChunkUrl(args.chunks))} (credentials: ${via})`);
  }
  for (const d of server.websiteDomains) lines.push(`cairn: static websites: http://<bucket>.${d}:${server.port}`);
  lines.push(
    `cairn: workers in this process: ${args.workers?.length ? args.workers.join(', ') : 'none'}${server.workerSocketPath ? `; worker socket ${server.workerSocketPath}` : ''}`,
  );
  for (const t of server.notifyTargets) lines.push(`cairn: notification target ${t.name}: ${t.displayUrl}`);
  if (server.zones)
    lines.push(
      `cairn: zone ${server.zones.opts.zone}; replicating to ${server.zones.opts.peers.map((p) => `${p.name} (${p.endpoint})`).join(', ') || 'no peers'}${args.replicationWorkers ? '' : ' (workers not in this process)'}`,
    );
  if (server.adminEndpoint) lines.push(`cairn: admin API, web console and /metrics on ${server.adminEndpoint}`);
  if (server.root.created) {
    lines.push('cairn: root credentials: the generated ones printed above');
  } else {
    lines.push(`cairn: root access key ${server.root.accessKeyId}${envKey ? ' (from CAIRN_ACCESS_KEY_ID)' : ' (from the store)'}`);
  }
  process.stderr.write(lines.join('\n') + '\n');

  const log = (line: string) => process.stderr.write(line + '\n');
  handleStopSignals(async (reason) => {
    log(`cairn: ${reason}: finishing in-flight requests (at most ${args.shutdownGraceSeconds} s) and closing the store`);
    server.logger.info({ signal: reason }, 'stopping');
    await server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log(`cairn: error while closing: ${(e as Error)?.stack ?? String(e)}`);
        process.exit(1);
      },
    );
  }, log);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command === 'admin') {
    if (rest.length === 0 || rest[0] === 'help' || rest[0] === '--help') {
      process.stdout.write(ADMIN_USAGE + '\n');
      return;
    }
    return adminMain(rest);
  }
  if (command === 'worker') return workerMain(rest);
  if (command === 'fsck') {
    process.exitCode = await fsckMain(rest);
    return;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    if (command === undefined) process.exitCode = 1;
    return;
  }
  throw new UsageError(`unknown command: ${command}`);
}

/** Runs the command and exits non-zero on failure (bin/cairn.js calls this). */
export function run(argv: string[]): void {
  main(argv).catch((e: unknown) => {
    // One line for what went wrong; the usage text only when the command line was wrong.
    process.stderr.write(`cairn: ${(e as Error)?.message ?? String(e)}\n${e instanceof UsageError ? (e.usage ?? USAGE) + '\n' : ''}`);
    process.exit(1);
  });
}

if (require.main === module) run(process.argv.slice(2));
