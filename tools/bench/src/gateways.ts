/**
 * The PostgreSQL targets (README "Several gateways"): `cairn-pg1` is one `cairn serve` with its
 * metadata in PostgreSQL, `cairn-pg2` two of them over ONE database and ONE shared data directory
 * (each its own port), the load generator spreading requests round robin over both. PostgreSQL is
 * `--pg-url` (a fresh schema per target) or a throwaway cluster started here with durability on
 * (fsync, synchronous commit: as the LevelDB target's --fsync true). Its own CPU/RSS are not in the
 * target's figures (the gateways' are, summed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ProcReader } from './stats';
import { startTarget, type RunningTarget, type TargetConfig, type TargetName } from './targets';
// The engine's throwaway-cluster helper (initdb in a temp dir, Debian `postgresql`), bundled in.
import { freshSchemaUrl, pgBinDir, startPgCluster } from '../../../packages/engine/test/pgCluster';

export const PG_TARGETS = ['cairn-pg1', 'cairn-pg2'] as const;

export function isPgTarget(name: TargetName): boolean {
  return (PG_TARGETS as readonly string[]).includes(name);
}

/** How many gateways a PostgreSQL target runs. */
export function gatewayCount(name: TargetName): number {
  return name === 'cairn-pg2' ? 2 : 1;
}

/** Why a PostgreSQL target cannot run (besides the CLI), or undefined. */
export function pgUnavailable(cfg: TargetConfig): string | undefined {
  if (cfg.pgUrl || pgBinDir()) return undefined;
  return 'PostgreSQL binaries not found (Debian: apt-get install postgresql; or set PG_BIN, or give --pg-url)';
}

/** RSS and CPU time summed over several processes; undefined once all are gone. */
export function sumReaders(readers: ProcReader[]): ProcReader {
  return () => {
    const rs = readers.map((r) => r()).filter((r) => r !== undefined);
    if (rs.length === 0) return undefined;
    return { rssBytes: rs.reduce((a, r) => a + r.rssBytes, 0), cpuSeconds: rs.reduce((a, r) => a + r.cpuSeconds, 0) };
  };
}

export async function startPgTarget(name: TargetName, cfg: TargetConfig): Promise<RunningTarget> {
  const pg = cfg.pgUrl ? undefined : await startPgCluster({ durable: true });
  const meta = freshSchemaUrl(cfg.pgUrl ?? pg!.url);
  const dataDir = await mkdtemp(join(tmpdir(), `cairn-bench-${name}-`));
  const gateway = {
    dataDir,
    args: ['--meta', meta],
    accessKeyId: 'BENCH' + randomBytes(8).toString('hex').toUpperCase(),
    secretAccessKey: randomBytes(24).toString('base64url'),
  };
  const gws: RunningTarget[] = [];
  const stop = async (): Promise<void> => {
    for (const g of gws) await g.stop().catch(() => undefined);
    if (!cfg.keepData) await rm(dataDir, { recursive: true, force: true });
    await pg?.stop();
  };
  try {
    // One after the other: the first creates the schema (the second would wait on its lock anyway).
    for (let i = 0; i < gatewayCount(name); i++) gws.push(await startTarget(name, { ...cfg, gateway }));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    name,
    pid: gws[0].pid,
    pids: gws.map((g) => g.pid),
    endpoint: gws[0].endpoint,
    endpoints: gws.map((g) => g.endpoint),
    dataDir,
    bare: false,
    output: () => gws.map((g) => g.output()).join('\n'),
    exited: () => gws.map((g) => g.exited()).find((x) => x !== undefined),
    stop,
  };
}
