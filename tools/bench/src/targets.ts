/**
 * Targets: each server runs as a child process of the bench (so its RSS/CPU are its own), on a
 * free port on 127.0.0.1, with a fresh temporary data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Endpoint } from './client';

export type TargetName = 'cairn' | 'cairn-nofsync' | 's3rver' | 'bare' | 'cairn-pg1' | 'cairn-pg2';
export const ALL_TARGETS: TargetName[] = ['cairn', 'cairn-nofsync', 's3rver', 'bare', 'cairn-pg1', 'cairn-pg2'];

export interface TargetConfig {
  /** repo root (for apps/s3/dist/cli.js) */
  repoRoot: string;
  cairnCli?: string;
  /** entry of this bench (dist/bench.js), for the s3rver / bare children */
  benchEntry: string;
  listKeys: number;
  keepData: boolean;
  /** extra node flags for the Cairn child, e.g. --cpu-prof */
  cairnNodeArgs: string[];
  /** cairn-pg*: an existing PostgreSQL (else a throwaway one is started, gateways.ts) */
  pgUrl?: string;
  /** one gateway of a cairn-pg* target (gateways.ts): shared data dir, --meta, shared root keys */
  gateway?: { dataDir: string; args: string[]; accessKeyId: string; secretAccessKey: string };
}

export interface RunningTarget {
  name: TargetName;
  pid: number;
  endpoint: Endpoint;
  dataDir?: string;
  /** the bare server answers pool slices instead of stored bytes */
  bare: boolean;
  /** several gateways (cairn-pg2): requests go round robin over these; RSS/CPU summed over pids */
  endpoints?: Endpoint[];
  pids?: number[];
  /** last lines the child wrote to stderr/stdout (diagnostics) */
  output(): string;
  exited(): { code: number | null; signal: string | null } | undefined;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolvePort(addr.port));
    });
  });
}

/** Why a target cannot run, or undefined. */
export function unavailable(name: TargetName, cfg: TargetConfig): string | undefined {
  if (name === 'cairn' || name === 'cairn-nofsync' || name === 'cairn-pg1' || name === 'cairn-pg2') {
    const cli = cfg.cairnCli ?? join(cfg.repoRoot, 'apps/s3/dist/cli.js');
    if (!existsSync(cli)) return `${cli} not found (build it: cd apps/s3 && npm run build)`;
  }
  return undefined;
}

function probe(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (r) => {
      r.resume();
      r.on('end', () => res(true));
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
  });
}

export async function startTarget(name: TargetName, cfg: TargetConfig): Promise<RunningTarget> {
  const port = await freePort();
  let dataDir: string | undefined;
  let child: ChildProcess;
  let accessKeyId = 'S3RVER';
  let secretAccessKey = 'S3RVER';
  const node = process.execPath;
  if (name === 'cairn' || name === 'cairn-nofsync' || cfg.gateway) {
    dataDir = cfg.gateway?.dataDir ?? (await mkdtemp(join(tmpdir(), `cairn-bench-${name}-`)));
    accessKeyId = cfg.gateway?.accessKeyId ?? 'BENCH' + randomBytes(8).toString('hex').toUpperCase();
    secretAccessKey = cfg.gateway?.secretAccessKey ?? randomBytes(24).toString('base64url');
    const cli = resolve(cfg.cairnCli ?? join(cfg.repoRoot, 'apps/s3/dist/cli.js'));
    const args = [
      ...cfg.cairnNodeArgs,
      cli,
      'serve',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--fsync',
      name === 'cairn-nofsync' ? 'false' : 'true',
      '--quiet', // no access log (s3rver runs silent too)
      ...(cfg.gateway?.args ?? []),
    ];
    child = spawn(node, args, {
      cwd: cfg.repoRoot,
      env: { ...process.env, CAIRN_ACCESS_KEY_ID: accessKeyId, CAIRN_SECRET_ACCESS_KEY: secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else if (name === 's3rver') {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-bench-s3rver-'));
    // s3rver's ListObjectsV2 continuation tokens use DES, which needs OpenSSL's legacy provider
    child = spawn(node, ['--openssl-legacy-provider', cfg.benchEntry, '--serve-s3rver', '--port', String(port), '--host', '127.0.0.1', '--dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    child = spawn(node, [cfg.benchEntry, '--serve-bare', '--port', String(port), '--host', '127.0.0.1', '--list-keys', String(cfg.listKeys)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  // keep the last few KiB of output; always drain the pipes so the child never blocks on them
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitInfo: { code: number | null; signal: string | null } | undefined;
  const exitedP = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      r();
    }),
  );

  const cleanup = async () => {
    if (dataDir && !cfg.keepData && !cfg.gateway) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exitInfo) {
      await cleanup();
      throw new Error(`${name} exited during startup (code ${exitInfo.code}, signal ${exitInfo.signal}): ${tail.trim()}`);
    }
    if (await probe(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await cleanup();
      throw new Error(`${name} did not answer on port ${port} within 30 s: ${tail.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name,
    pid: child.pid as number,
    endpoint: { host: '127.0.0.1', port, accessKeyId, secretAccessKey },
    dataDir,
    bare: name === 'bare',
    output: () => tail,
    exited: () => exitInfo,
    async stop() {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exitedP;
        clearTimeout(t);
      }
      await cleanup();
    },
  };
}
