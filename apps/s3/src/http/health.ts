/**
 * Liveness and readiness for load balancers and process managers, answered on the S3 port
 * without authentication under `/-/health/…` (no bucket name can start with '-'):
 *
 * - live: the process answers HTTP (200 always), with the count of escaped errors
 *   (escapedErrors.ts) so monitoring can alert on a non-zero value;
 * - ready: 200 when the metadata store answers a read, every chunk directory accepts a new file,
 *   and the server is not draining for shutdown; otherwise 503 with the failing checks. s3://
 *   chunk stores are not probed: every gateway shares one, so its outage would take them all out
 *   of the load balancer while listings, HEADs and small objects still work (requests needing
 *   chunks answer 503 on their own).
 */
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CHUNKS_DIR, CHUNKS_TMP_DIR, isS3ChunkUrl, type EngineApi } from '@cairn/engine';
import { escapedErrorCount } from './escapedErrors';

export interface HealthSource {
  /** True once shutdown began (no new work should be routed here). */
  draining(): boolean;
  /** The server's `chunks` (an s3:// URL): the default placement is not under the data directory then. */
  chunks?: string;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, string>;
}

export function liveness(): { status: 'ok'; escapedErrors: number } {
  return { status: 'ok', escapedErrors: escapedErrorCount() };
}

/** Every chunk directory: the default one under the data directory (unless --chunks s3://) and each placement's. */
function chunkDirs(engine: EngineApi, source: HealthSource): string[] {
  const roots = [...(source.chunks ? [] : [engine.options.dataDir]), ...Object.values(engine.options.placements ?? {})];
  return roots.filter((r) => !isS3ChunkUrl(r)).map((r) => join(r, CHUNKS_DIR, CHUNKS_TMP_DIR));
}

/** Creates and removes an empty file: proves the directory is writable (not read-only, not gone). */
async function probeWritable(dir: string): Promise<void> {
  const file = join(dir, `.health-${randomBytes(6).toString('hex')}`);
  const fh = await open(file, 'wx');
  await fh.close();
  await unlink(file);
}

export async function readiness(engine: EngineApi, source: HealthSource): Promise<HealthReport> {
  const checks: Record<string, string> = {};
  checks.draining = source.draining() ? 'shutting down' : 'ok';
  try {
    await engine.lookupAccessKey('-health-probe-'); // a metadata read; throws once the store is closed
    checks.store = 'ok';
  } catch (e) {
    checks.store = (e as Error)?.message ?? String(e);
  }
  for (const dir of chunkDirs(engine, source)) {
    try {
      await probeWritable(dir);
      checks[`chunks:${dir}`] = 'ok';
    } catch (e) {
      checks[`chunks:${dir}`] = (e as NodeJS.ErrnoException)?.code ?? String(e);
    }
  }
  return { status: Object.values(checks).every((v) => v === 'ok') ? 'ok' : 'unavailable', checks };
}
