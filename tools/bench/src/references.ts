/**
 * The machine's own limits, measured in the same run as the workloads, so every score can also be
 * read as a fraction of what this machine can do at best:
 *
 * - MD5 and SHA-256 on one core: an S3 PUT must MD5 its body (the ETag), and Cairn SHA-256s every
 *   chunk on write and read, so these bound a single stream's PUT / GET rate.
 * - the disk: 1 MiB writes each followed by fsync (a durable chunk store's best case), and 4 KiB
 *   write+fsync operations per second (a durable small PUT's best case, one fsync each).
 *
 * The bare Node HTTP sink (servers.ts) is the third reference; it is a target, not measured here.
 * The pure helpers (`rateOf`, `targetChecks`) are unit-tested; the timings are not.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, fsyncSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiB } from './data';
import type { TargetReport } from './targetReport';
import type { WorkloadName, WorkloadResult } from './workloads';

export interface References {
  /** MD5, one core, MiB/s */
  md5MiBs: number;
  /** SHA-256, one core, MiB/s */
  sha256MiBs: number;
  /** 1 MiB write + fsync, repeated, MiB/s */
  disk1mMiBs: number;
  /** 4 KiB write + fsync, repeated, operations/s */
  disk4kOps: number;
  /** where the disk figures were measured (the directory the servers' data lives in) */
  dir: string;
}

/** Units per second of `units` done in `ns` nanoseconds (0 when nothing was timed). */
export function rateOf(units: number, ns: bigint | number): number {
  const sec = Number(ns) / 1e9;
  return sec > 0 ? units / sec : 0;
}

/** Runs `step` (which reports how many units it did) until `seconds` or `maxUnits` is reached. */
function timed(seconds: number, maxUnits: number, step: (i: number) => number): number {
  const t0 = process.hrtime.bigint();
  const limit = t0 + BigInt(Math.round(seconds * 1e9));
  let units = 0;
  let now = t0;
  for (let i = 0; units < maxUnits; i++) {
    units += step(i);
    now = process.hrtime.bigint();
    if (now >= limit) break;
  }
  return rateOf(units, now - t0);
}

function hashRate(alg: 'md5' | 'sha256', pool: Buffer, seconds: number): number {
  const slices = Math.floor(pool.length / MiB);
  return timed(seconds, 4096, (i) => {
    const h = createHash(alg);
    // 64 × 1 MiB updates per digest, like a 64 MiB body arriving in pieces
    for (let k = 0; k < 64; k++) h.update(pool.subarray(((i * 64 + k) % slices) * MiB, (((i * 64 + k) % slices) + 1) * MiB));
    h.digest();
    return 64;
  });
}

/**
 * Measures the references (about 4 × `seconds`). Synchronous on purpose: nothing else runs in the
 * bench process meanwhile, and the servers are idle.
 */
export function measureReferences(pool: Buffer, seconds = 1, dir = tmpdir()): References {
  const md5MiBs = hashRate('md5', pool, seconds);
  const sha256MiBs = hashRate('sha256', pool, seconds);
  const tmp = mkdtempSync(join(dir, 'cairn-bench-disk-'));
  try {
    const slices = Math.floor(pool.length / MiB);
    const disk1mMiBs = onFile(join(tmp, 'big'), (fd) =>
      timed(seconds, 512, (i) => {
        writeSync(fd, pool, (i % slices) * MiB, MiB, i * MiB);
        fsyncSync(fd);
        return 1;
      }),
    );
    const disk4kOps = onFile(join(tmp, 'small'), (fd) =>
      timed(seconds, 100_000, (i) => {
        writeSync(fd, pool, (i * 4096) % (pool.length - 4096), 4096, i * 4096);
        fsyncSync(fd);
        return 1;
      }),
    );
    return { md5MiBs, sha256MiBs, disk1mMiBs, disk4kOps, dir };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function onFile<T>(file: string, fn: (fd: number) => T): T {
  const fd = openSync(file, 'w');
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** One of the issue-13 goals, evaluated on one run's figures. */
export interface TargetCheck {
  goal: string;
  /** the measured ratio (or value, for absolute goals) */
  value: number | undefined;
  /** what it must reach: ratio ≥ min, or value ≤ max */
  min?: number;
  max?: number;
  met: boolean | undefined;
  /** how the figure was formed */
  detail: string;
}

function result(t: TargetReport | undefined, w: WorkloadName): WorkloadResult | undefined {
  const r = t?.results.find((x) => x.workload === w);
  return r && r.score !== null && !r.error ? r : undefined;
}

function check(goal: string, value: number | undefined, bound: { min?: number; max?: number }, detail: string): TargetCheck {
  const ok = value === undefined || !Number.isFinite(value) ? undefined : bound.min !== undefined ? value >= bound.min : value <= bound.max!;
  return { goal, value: value !== undefined && Number.isFinite(value) ? value : undefined, ...bound, met: ok, detail };
}

const div = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
const f = (x: number | undefined): string => (x === undefined ? '?' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

/**
 * The goals of issue 13 for `cairnName`, as ratios to the references and the other targets of the
 * same run. A goal whose inputs are missing (target or workload not run) has met = undefined.
 */
export function targetChecks(targets: TargetReport[], refs: References | undefined, cairnName = 'cairn'): TargetCheck[] {
  const by = (n: string) => targets.find((t) => t.target === n && !t.unavailable);
  const cairn = by(cairnName);
  const s3rver = by('s3rver');
  const bare = by('bare');
  const score = (t: TargetReport | undefined, w: WorkloadName) => result(t, w)?.score ?? undefined;
  const out: TargetCheck[] = [];

  const sinkPut = score(bare, 'put64m');
  const floors = [refs?.md5MiBs, refs?.disk1mMiBs, sinkPut].filter((x): x is number => x !== undefined && x > 0);
  const floor = floors.length === 3 ? Math.min(...floors) : undefined;
  const put64 = score(cairn, 'put64m');
  out.push(
    check(
      '64 MiB PUT ≥ 0.7 × min(MD5, disk, sink)',
      div(put64, floor),
      { min: 0.7 },
      `${f(put64)} MiB/s ÷ min(MD5 ${f(refs?.md5MiBs)}, disk ${f(refs?.disk1mMiBs)}, sink ${f(sinkPut)})`,
    ),
  );

  const get64 = score(cairn, 'get64m');
  out.push(check('64 MiB GET ≥ 0.6 × sink', div(get64, score(bare, 'get64m')), { min: 0.6 }, `${f(get64)} ÷ ${f(score(bare, 'get64m'))} MiB/s`));
  out.push(check('64 MiB GET ≥ 1.5 × s3rver', div(get64, score(s3rver, 'get64m')), { min: 1.5 }, `${f(get64)} ÷ ${f(score(s3rver, 'get64m'))} MiB/s`));

  for (const [w, p99max] of [
    ['put4k', 20],
    ['get4k', 10],
  ] as const) {
    const c = score(cairn, w);
    out.push(check(`4 KiB ${w === 'put4k' ? 'PUT' : 'GET'} ≥ 2 × s3rver`, div(c, score(s3rver, w)), { min: 2 }, `${f(c)} ÷ ${f(score(s3rver, w))} ops/s`));
    const p99 = result(cairn, w)?.latencyMs?.p99;
    out.push(check(`4 KiB ${w === 'put4k' ? 'PUT' : 'GET'} p99 < ${p99max} ms`, p99, { max: p99max }, `p99 ${f(p99)} ms`));
  }
  const del = score(cairn, 'delete4k');
  out.push(check('DELETE ≥ s3rver', div(del, score(s3rver, 'delete4k')), { min: 1 }, `${f(del)} ÷ ${f(score(s3rver, 'delete4k'))} ops/s`));
  const mp = score(cairn, 'multipart1g');
  out.push(check('multipart ≥ single PUT', div(mp, put64), { min: 1 }, `${f(mp)} ÷ ${f(put64)} MiB/s`));
  out.push(check('peak RSS ≤ 200 MiB', cairn?.peakRssMiB, { max: 200 }, `${f(cairn?.peakRssMiB)} MiB`));
  return out;
}

/** The references and the goals as text (appended to the report). */
export function formatReferences(refs: References | undefined, checks: TargetCheck[]): string {
  const out: string[] = [];
  if (refs) {
    out.push(
      `references (this machine, this run): MD5 one core ${f(refs.md5MiBs)} MiB/s, SHA-256 one core ${f(refs.sha256MiBs)} MiB/s, ` +
        `disk 1 MiB write+fsync ${f(refs.disk1mMiBs)} MiB/s, disk 4 KiB write+fsync ${f(refs.disk4kOps)} ops/s (${refs.dir})`,
    );
  }
  if (checks.length) {
    out.push('');
    const w = Math.max(...checks.map((c) => c.goal.length));
    out.push(`${'goal (issue 13)'.padEnd(w)}  ${'value'.padStart(6)}  met  from`);
    for (const c of checks) {
      const v = c.value === undefined ? '-' : c.value.toFixed(2);
      const met = c.met === undefined ? ' - ' : c.met ? 'yes' : 'NO ';
      out.push(`${c.goal.padEnd(w)}  ${v.padStart(6)}  ${met}  ${c.detail}`);
    }
  }
  return out.join('\n');
}
