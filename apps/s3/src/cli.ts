#!/usr/bin/env node
/**
 * The `cairn` command.
 *
 *   cairn serve [--data DIR] [--port N] [--host ADDR] [--domain NAME ...] [--region NAME]
 *               [--fsync true|false] [--users FILE] [--quiet]
 *               [--placement NAME=DIR ...] [--class-placement CLASS=NAME ...]
 *               [--gc-interval SECONDS] [--gc-grace SECONDS]
 *
 * Defaults: ./data, port 9000, host 127.0.0.1 (safe by default; pass --host 0.0.0.0 to listen on
 * every interface), domain s3.localhost, region us-east-1, fsync true.
 * Root credentials: CAIRN_ACCESS_KEY_ID / CAIRN_SECRET_ACCESS_KEY, else the ones persisted in the
 * store, else generated on first start (and printed that once). The endpoint is always printed.
 * SIGTERM / SIGINT: stop accepting, finish in-flight requests, close the database, exit 0.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startServer, DEFAULT_REGION, DEFAULT_DOMAINS, DEFAULT_GC_GRACE_MS, DEFAULT_GC_INTERVAL_MS, type RunningServer } from './server';
import { adminMain, ADMIN_USAGE } from './adminCli';
import { fsckMain } from './fsckCli';
import { parseClassPlacements, parsePlacements } from './placementArgs';
import type { StorageClass } from '@cairn/engine';

const USAGE = `usage: cairn serve [--data DIR] [--port N] [--host ADDR] [--domain NAME ...]
                   [--region NAME] [--fsync true|false] [--users FILE] [--quiet]
                   [--placement NAME=DIR ...] [--class-placement CLASS=NAME ...]
                   [--gc-interval SECONDS] [--gc-grace SECONDS]

  --data DIR        data directory (metadata + chunks)          default ./data
  --port N          listening port (0 = any free port)          default 9000
  --host ADDR       listening address                           default 127.0.0.1
  --domain NAME     virtual-host base domain (repeatable)       default ${DEFAULT_DOMAINS.join(', ')}
  --region NAME     region reported and expected in signatures  default ${DEFAULT_REGION}
  --fsync BOOL      fsync data before acknowledging writes      default true
  --users FILE      JSON array of users to create/update at start
  --admin-port N    also serve the admin API on this port (same host)
  --quiet           no access log
  --placement NAME=DIR         extra chunk directory (e.g. another disk) (repeatable)
  --class-placement CLASS=NAME storage class whose chunks go to placement NAME (repeatable);
                               unmapped classes use the data directory ("default")
  --gc-interval SECONDS  background GC: one bounded pass this often (0 = off)  default ${DEFAULT_GC_INTERVAL_MS / 1000}
  --gc-grace SECONDS     keep unreferenced chunks this long before GC frees them  default ${DEFAULT_GC_GRACE_MS / 1000}

       cairn admin ...   (the admin API's client; \`cairn admin help\`)
       cairn fsck [--data DIR] [--placement NAME=DIR ...] [--repair] [--json]   (offline consistency check; \`cairn fsck --help\`)

Root credentials: CAIRN_ACCESS_KEY_ID / CAIRN_SECRET_ACCESS_KEY, else persisted in the store,
else generated on first start and printed once.`;

export interface ServeArgs {
  data: string;
  port: number;
  host: string;
  domains?: string[];
  region: string;
  fsync: boolean;
  users?: string;
  quiet: boolean;
  adminPort?: number;
  placements?: Record<string, string>;
  storageClassPlacement?: Partial<Record<StorageClass, string>>;
  gcIntervalMs: number;
  gcGraceMs: number;
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
      port: { type: 'string', default: '9000' },
      host: { type: 'string', default: '127.0.0.1' },
      domain: { type: 'string', multiple: true },
      region: { type: 'string', default: DEFAULT_REGION },
      fsync: { type: 'string', default: 'true' },
      users: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'admin-port': { type: 'string' },
      placement: { type: 'string', multiple: true },
      'class-placement': { type: 'string', multiple: true },
      'gc-interval': { type: 'string', default: String(DEFAULT_GC_INTERVAL_MS / 1000) },
      'gc-grace': { type: 'string', default: String(DEFAULT_GC_GRACE_MS / 1000) },
    },
  });
  if (positionals.length) throw new Error(`unexpected argument: ${positionals[0]}`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port!) || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const adminPortRaw = values['admin-port'];
  if (adminPortRaw !== undefined && (!/^\d+$/.test(adminPortRaw) || Number(adminPortRaw) > 65535)) throw new Error(`--admin-port: not a port number: ${adminPortRaw}`);
  const fsync = values.fsync!.toLowerCase();
  if (fsync !== 'true' && fsync !== 'false') throw new Error(`--fsync: expected true or false, got ${values.fsync}`);
  return {
    data: resolve(values.data!),
    port,
    host: values.host!,
    domains: values.domain,
    region: values.region!,
    fsync: fsync === 'true',
    users: values.users ? resolve(values.users) : undefined,
    quiet: values.quiet ?? false,
    adminPort: adminPortRaw !== undefined ? Number(adminPortRaw) : undefined,
    placements: parsePlacements(values.placement),
    storageClassPlacement: parseClassPlacements(values['class-placement']),
    gcIntervalMs: seconds('--gc-interval', values['gc-interval']!),
    gcGraceMs: seconds('--gc-grace', values['gc-grace']!),
  };
}

async function serve(argv: string[]): Promise<void> {
  const args = parseServeArgs(argv);
  const envKey = process.env.CAIRN_ACCESS_KEY_ID || undefined;
  const envSecret = process.env.CAIRN_SECRET_ACCESS_KEY || undefined;
  if ((envKey === undefined) !== (envSecret === undefined)) {
    throw new Error('set both CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY, or neither');
  }
  const server: RunningServer = await startServer({
    dataDir: args.data,
    port: args.port,
    host: args.host,
    domains: args.domains,
    region: args.region,
    fsync: args.fsync,
    quiet: args.quiet,
    rootAccessKeyId: envKey,
    rootSecretAccessKey: envSecret,
    usersFile: args.users,
    adminPort: args.adminPort,
    placements: args.placements,
    storageClassPlacement: args.storageClassPlacement,
    gcIntervalMs: args.gcIntervalMs,
    gcGraceMs: args.gcGraceMs,
  });

  const lines = [
    `cairn: serving S3 on ${server.endpoint}  (region ${server.region}, data ${args.data})`,
    `cairn: virtual-hosted style: http://<bucket>.${server.domains[0] ?? 's3.localhost'}:${server.port}`,
  ];
  if (server.adminEndpoint) lines.push(`cairn: admin API on ${server.adminEndpoint} (root bearer token; see README)`);
  if (server.root.created) {
    lines.push(
      'cairn: generated root credentials (stored in the data directory; shown only this once):',
      `  AWS_ACCESS_KEY_ID=${server.root.accessKeyId}`,
      `  AWS_SECRET_ACCESS_KEY=${server.root.secretAccessKey}`,
    );
  } else {
    lines.push(`cairn: root access key ${server.root.accessKeyId}${envKey ? ' (from CAIRN_ACCESS_KEY_ID)' : ' (from the store)'}`);
  }
  process.stderr.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`cairn: ${signal}: finishing in-flight requests and closing the store\n`);
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`cairn: error while closing: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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
  if (command === 'fsck') {
    process.exitCode = await fsckMain(rest);
    return;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    if (command === undefined) process.exitCode = 1;
    return;
  }
  throw new Error(`unknown command: ${command}`);
}

/** Runs the command and exits non-zero on failure (bin/cairn.js calls this). */
export function run(argv: string[]): void {
  main(argv).catch((e: unknown) => {
    process.stderr.write(`cairn: ${(e as Error)?.message ?? String(e)}\n${USAGE}\n`);
    process.exit(1);
  });
}

if (require.main === module) run(process.argv.slice(2));
