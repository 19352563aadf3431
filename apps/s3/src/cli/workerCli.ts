/**
 * `cairn worker NAME --data DIR [--meta URL] [--lifecycle-day-seconds N] [--lease-ttl-seconds N]`:
 * runs one worker as its own process. With LevelDB metadata it sits beside the `cairn serve
 * --data DIR` that owns the store and drives its engine over the server's socket DIR/cairn.sock
 * (engine workers/rpc.ts); with `--meta postgres://…` it opens an engine of its own on the shared
 * database and chunk directory. The worker's lease keeps it from running while the server (or
 * another worker process) runs the same worker: start the server with `--workers none` (or
 * without NAME) to hand the work to this process.
 * SIGTERM / SIGINT: finish the current action, save the cursor, release the lease, exit 0.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { Engine, KNOWN_WORKERS, NOTIFY_WORKERS, RpcClient, WorkerRunner, createWorker, rpcSocketPath } from '@cairn/engine';
import { parseNotifyTarget } from '../notifications/target';
import { startNotifyWorkers } from '../notifications/runtime';
import { parseMetaFlag } from './metaArg';
import { chunkCredentialsFromEnv, parseChunksFlag } from './chunksArg';

export const WORKER_USAGE = `usage: cairn worker NAME --data DIR [--meta URL [--chunks URL]] [--lifecycle-day-seconds N] [--lifecycle-hour H] [--lease-ttl-seconds N]
       cairn worker notify --data DIR [--meta URL] --notify-target NAME=URL ... [--lease-ttl-seconds N]

  NAME                      ${KNOWN_WORKERS.join(' | ')}
  --data DIR                the data directory of the running \`cairn serve\` (its socket DIR/cairn.sock)
  --meta URL                postgres://… metadata shared with the gateways (no socket needed then)
  --chunks URL              with --meta: the gateways' --chunks s3://… (the worker then reads and
                            writes chunks itself; without --meta the server does)
  --lifecycle-day-seconds N length of a lifecycle day (default: the server's)
  --lifecycle-hour H        UTC hour of the daily pass with 24 h days (default 0)
  --lease-ttl-seconds N     lease time-to-live (default 30): a killed worker's work resumes after it
  --notify-target NAME=URL  (notify) a target, as given to \`cairn serve\` (repeatable; start the
                            server with the same targets and --workers without notify)`;

export async function workerMain(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string', default: './data' },
      meta: { type: 'string' },
      chunks: { type: 'string' },
      'lifecycle-day-seconds': { type: 'string' },
      'lifecycle-hour': { type: 'string' },
      'lease-ttl-seconds': { type: 'string' },
      'notify-target': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(WORKER_USAGE + '\n');
    return;
  }
  const [name, extra] = positionals;
  if (!name || extra !== undefined) throw new Error(`expected one worker name\n${WORKER_USAGE}`);
  if (!KNOWN_WORKERS.includes(name)) throw new Error(`unknown worker "${name}"\n${WORKER_USAGE}`);
  const num = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${flag}: expected a number >= ${min}, got ${v}`);
    return n;
  };
  const day = num('lifecycle-day-seconds', values['lifecycle-day-seconds'], 0.001);
  const hour = num('lifecycle-hour', values['lifecycle-hour'], 0);
  const ttl = num('lease-ttl-seconds', values['lease-ttl-seconds'], 0.1);
  const meta = parseMetaFlag(values.meta);
  const chunks = parseChunksFlag(values.chunks);
  if (chunks && !meta) throw new Error(`--chunks: only with --meta (otherwise the server's engine does the chunk I/O)\n${WORKER_USAGE}`);
  const log = (m: string) => process.stderr.write(`cairn: ${m}\n`);

  // PostgreSQL metadata: an engine of our own on the shared database and chunk directory;
  // LevelDB: the server's engine over its socket.
  let engine: Engine | undefined;
  let client: RpcClient | undefined;
  let dayMs: number;
  let region = 'us-east-1';
  let where: string;
  if (meta) {
    engine = await Engine.open({
      dataDir: resolve(values.data!),
      meta,
      ...(chunks ? { chunks, chunkCredentials: chunkCredentialsFromEnv() } : {}),
      ...(day !== undefined ? { lifecycleDaySeconds: day } : {}),
    });
    dayMs = engine.options.lifecycleDaySeconds * 1000;
    region = engine.options.region;
    where = 'the shared metadata database';
  } else {
    client = new RpcClient(rpcSocketPath(resolve(values.data!)));
    const info = await client.workerInfo(); // fails fast when no server owns DIR
    dayMs = day !== undefined ? day * 1000 : info.lifecycleDayMs;
    region = info.region ?? region;
    where = `${client.socketPath} (server pid ${info.pid})`;
  }
  const api = (engine ?? client)!;
  const close = async () => {
    client?.close();
    await engine?.close().catch(() => undefined);
  };

  if (name === NOTIFY_WORKERS) {
    const specs = (values['notify-target'] ?? []).map(parseNotifyTarget);
    if (!specs.length) throw new Error(`cairn worker notify: give at least one --notify-target NAME=URL\n${WORKER_USAGE}`);
    const notify = startNotifyWorkers(api, specs, { region, log }, { mode: 'separate', leaseTtlMs: ttl !== undefined ? ttl * 1000 : undefined, log });
    log(`worker notify (${specs.map((s) => s.name).join(', ')}) attached to ${where}`);
    onStopSignal('notify', () => notify.close(), close);
    return;
  }
  const runner = new WorkerRunner(api, createWorker(name, { lifecycle: { dayMs, hourUtc: hour } }), {
    mode: 'separate',
    leaseTtlMs: ttl !== undefined ? ttl * 1000 : undefined,
    log,
  });
  runner.start();
  log(`worker ${name} attached to ${where} (lifecycle day ${dayMs / 1000} s)`);
  onStopSignal(name, () => runner.stop(), close);
}

function onStopSignal(name: string, stopWorker: () => Promise<void>, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`cairn: ${signal}: stopping worker ${name}\n`);
    stopWorker().then(
      async () => {
        await close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
