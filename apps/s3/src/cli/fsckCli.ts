/**
 * `cairn fsck --data DIR [--repair] [--json]`: the engine's offline consistency check (fsck.ts
 * in @cairn/engine) as a command. Report on stdout (text or JSON), progress on stderr.
 * Exit status: 0 clean (or everything found was repaired), 1 inconsistencies remain, 2 fsck could
 * not run (usage error, not a data directory, store in use by a server).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { parsePlacements } from './placementArgs';
import { parseMetaFlag } from './metaArg';
import { chunkCredentialsFromEnv, parseChunksFlag } from './chunksArg';
import { fsck, FsckError, isS3ChunkUrl, type FsckProgress, type FsckReport, type S3ChunkCredentials } from '@cairn/engine';

export const FSCK_USAGE = `usage: cairn fsck [--data DIR] [--meta URL] [--chunks URL] [--placement NAME=DIR ...] [--deep] [--repair] [--json] [--gc-grace SECONDS]

  --data DIR   data directory to check (the server must be stopped)   default ./data
  --meta URL   the metadata is in PostgreSQL (as cairn serve --meta); chunks in DIR. Stop (or idle)
               every gateway first: a check during writes can see changes half-made
  --chunks URL the server's --chunks s3://BUCKET/PREFIX?endpoint=URL (chunk objects are listed and
               their sizes checked; same credentials as cairn serve)
  --placement NAME=DIR   an extra chunk directory (or s3:// URL) the server uses (as in cairn serve); repeatable
  --deep       also download and SHA-256 every chunk object of s3:// stores (chunk files are always hashed)
  --repair     fix reference counts, counters and GC markers; remove orphan chunk files,
               dangling records and stale temp files (never a referenced chunk)
  --json       machine-readable report on stdout
  --gc-grace SECONDS   unreferenced chunks older than this are reported as garbage awaiting
               collection (not a problem: the server's GC frees them; --repair collects them)  default 60

Exit status: 0 clean (or all repaired), 1 inconsistencies remain, 2 could not run.`;

const PROGRESS_EVERY_MS = 2000;

export async function fsckMain(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let values: {
    data?: string;
    meta?: string;
    chunks?: string;
    deep?: boolean;
    repair?: boolean;
    json?: boolean;
    help?: boolean;
    placement?: string[];
    'gc-grace'?: string;
  };
  let placements: Record<string, string> | undefined;
  let chunkCredentials: S3ChunkCredentials | undefined;
  let gcGraceMs: number | undefined;
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        data: { type: 'string', default: './data' },
        meta: { type: 'string' },
        chunks: { type: 'string' },
        deep: { type: 'boolean', default: false },
        placement: { type: 'string', multiple: true },
        repair: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'gc-grace': { type: 'string' },
      },
    });
    values = parsed.values;
    placements = parsePlacements(values.placement);
    parseMetaFlag(values.meta);
    parseChunksFlag(values.chunks);
    if (values.chunks !== undefined || Object.values(placements ?? {}).some(isS3ChunkUrl)) chunkCredentials = chunkCredentialsFromEnv();
    const grace = values['gc-grace'];
    if (grace !== undefined) {
      if (!/^\d+(\.\d+)?$/.test(grace)) throw new Error(`--gc-grace: expected a number of seconds, got ${grace}`);
      gcGraceMs = Math.round(Number(grace) * 1000);
    }
  } catch (e) {
    err.write(`cairn fsck: ${(e as Error).message}\n${FSCK_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out.write(FSCK_USAGE + '\n');
    return 0;
  }
  const dataDir = resolve(values.data!);
  const started = Date.now();
  let last = started;
  const onProgress = (p: FsckProgress): void => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    const bytes = p.bytes !== undefined ? `, ${mib(p.bytes)} hashed` : '';
    err.write(`cairn fsck: ${p.phase}: ${p.done}${p.total !== undefined ? `/${p.total}` : ''}${bytes} (${((now - started) / 1000).toFixed(0)} s)\n`);
  };
  let report: FsckReport;
  try {
    report = await fsck(dataDir, {
      repair: values.repair,
      onProgress,
      placements,
      gcGraceMs,
      deep: values.deep,
      ...(values.meta ? { meta: values.meta } : {}),
      ...(values.chunks ? { chunks: values.chunks, chunkCredentials } : {}),
    });
  } catch (e) {
    // Couldn't finish (store in use, not a store, unreadable metadata): neither clean nor a verdict.
    err.write(`cairn fsck: ${e instanceof FsckError ? e.message : `failed: ${(e as Error)?.stack ?? String(e)}`}\n`);
    return 2;
  }
  out.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.clean ? 0 : 1;
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

export function formatReport(r: FsckReport): string {
  const s = r.stats;
  const lines = [
    `cairn fsck ${r.dataDir}${r.repair ? ' --repair' : ''}`,
    `  ${s.buckets} buckets, ${s.records} records, ${s.chunkRecords} chunk records (${s.referencedChunks} referenced), ` +
      `${s.chunkFiles} chunk files (${mib(s.bytesHashed)} hashed) in ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const f of r.findings) {
    const tag = f.repaired ? 'repaired' : f.repairable ? (r.repair ? 'NOT REPAIRED' : 'repairable') : 'UNREPAIRABLE';
    lines.push(`  [${tag}] ${f.kind}: ${f.message}`);
    if (f.affected?.length) lines.push(`      affects: ${f.affected.join(', ')}`);
  }
  const total = Object.values(r.counts).reduce((a, n) => a + (n ?? 0), 0);
  if (total > r.findings.length) {
    lines.push(
      `  (${total - r.findings.length} more not listed: ${Object.entries(r.counts)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    );
  }
  const g = r.garbage;
  if (g.chunks > 0) {
    lines.push(
      `  garbage awaiting collection: ${g.chunks} unreferenced chunks (${mib(g.bytes)}) older than the ${g.graceMs / 1000} s grace period ` +
        (g.collected
          ? `— collected: ${g.collected.chunks} chunks, ${mib(g.collected.bytes)} freed`
          : "(not a problem: the server's GC frees them; --repair collects them now)"),
    );
  }
  if (total === 0) lines.push(g.chunks > 0 && !g.collected ? `clean, with ${mib(g.bytes)} of garbage awaiting collection` : 'clean');
  else if (r.clean)
    lines.push(`${total} problems found, all repaired (${r.repaired?.metadataOps ?? 0} metadata updates, ${r.repaired?.filesRemoved ?? 0} files removed)`);
  else {
    const hint = r.unrepairable > 0 ? `${r.unrepairable} can't be repaired` : 'run with --repair to fix them';
    lines.push(`${total} problems found: ${hint}`);
  }
  return lines.join('\n') + '\n';
}
