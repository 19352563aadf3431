/**
 * Output: the comparison table (stdout) and the JSON document.
 */
import type { WorkloadName, WorkloadResult } from './workloads';
import { formatReferences, targetChecks, type References } from './references';

export type { TargetReport } from './targetReport';
import type { TargetReport } from './targetReport';

export interface BenchReport {
  version: 1;
  startedAt: string;
  finishedAt: string;
  host: { node: string; platform: string; cpus: number; cpuModel: string; memGiB: number };
  options: Record<string, unknown>;
  /** the load generator itself */
  client: { peakRssMiB: number; cpuSec: number };
  targets: TargetReport[];
  /** the machine's limits, measured at the start of the run (references.ts) */
  references?: References;
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x >= 1000) return Math.round(x).toString();
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function scoreCell(r: WorkloadResult | undefined, value: (r: WorkloadResult) => number | undefined): string {
  if (!r) return '';
  if (r.score === null) return 'n/a';
  if (r.error) return '0 (BAD)';
  const v = value(r);
  if (v === undefined) return '-';
  let s = fmtNum(v);
  if (r.errors > 0) s += ` (${(r.errorRate * 100).toFixed(r.errorRate < 0.01 ? 2 : 1)}% err)`;
  return s;
}

function ratio(a: number | undefined | null, b: number | undefined | null): string {
  if (a === undefined || a === null || b === undefined || b === null || !(b > 0)) return '';
  return (a / b).toFixed(2);
}

interface Row {
  label: string;
  unit: string;
  workload: WorkloadName;
  value: (r: WorkloadResult) => number | undefined;
  /** ratios make sense (throughput rows) */
  ratios: boolean;
}

/** The machine reference a row's figure is divided by, per reference column. */
export function referenceFor(workload: WorkloadName, unit: string, refs: References, col: 'hash' | 'disk'): number | undefined {
  if (unit === 'MiB/s') return col === 'hash' ? (workload === 'get64m' ? refs.sha256MiBs : refs.md5MiBs) : refs.disk1mMiBs;
  if (unit === 'ops/s' && col === 'disk' && (workload === 'put4k' || workload === 'delete4k' || workload === 'mix4k')) return refs.disk4kOps;
  return undefined;
}

const ROWS: Row[] = [];
for (const w of ['put4k', 'get4k', 'head4k', 'delete4k', 'mix4k'] as WorkloadName[]) {
  ROWS.push({ label: w, unit: 'ops/s', workload: w, value: (r) => r.score ?? undefined, ratios: true });
  ROWS.push({ label: `  ${w} p50`, unit: 'ms', workload: w, value: (r) => r.latencyMs?.p50, ratios: false });
  ROWS.push({ label: `  ${w} p99`, unit: 'ms', workload: w, value: (r) => r.latencyMs?.p99, ratios: false });
}
for (const w of ['put64m', 'get64m', 'multipart1g'] as WorkloadName[]) {
  ROWS.push({ label: w, unit: 'MiB/s', workload: w, value: (r) => r.score ?? undefined, ratios: true });
}
ROWS.push({ label: 'list10k', unit: 'keys/s', workload: 'list10k', value: (r) => r.score ?? undefined, ratios: true });
ROWS.push({ label: 'list10k', unit: 'pages/s', workload: 'list10k', value: (r) => r.extra?.pagesPerSec, ratios: true });

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i <= 1 ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(rep: BenchReport): string {
  const targets = rep.targets;
  const names = targets.map((t) => t.target);
  const byName = new Map(targets.map((t) => [t.target, t]));
  const find = (t: string, w: WorkloadName) => byName.get(t)?.results.find((r) => r.workload === w);
  const cairn = names.find((n) => n === 'cairn') ?? names.find((n) => n.startsWith('cairn'));
  const ratioCols: [string, string][] = [];
  if (cairn) for (const other of ['bare', 's3rver']) if (names.includes(other)) ratioCols.push([cairn, other]);

  const present = new Set(targets.flatMap((t) => t.results.map((r) => r.workload)));
  const out: string[] = [];
  const refs = rep.references;
  // the Cairn figure as a fraction of the machine: MD5 (PUT) / SHA-256 (GET) one-core rate, and
  // the disk (1 MiB write+fsync for MiB/s rows, 4 KiB write+fsync for small writes)
  const refCols: ('hash' | 'disk')[] = cairn && refs ? ['hash', 'disk'] : [];
  const header = [
    'workload',
    'unit',
    ...names,
    ...ratioCols.map(([a, b]) => `${a}÷${b}`),
    ...refCols.map((c) => (c === 'hash' ? `${cairn}÷hash` : `${cairn}÷disk`)),
  ];
  const rows: string[][] = [];
  for (const row of ROWS) {
    if (!present.has(row.workload)) continue;
    const cells = [row.label, row.unit];
    for (const n of names) {
      const t = byName.get(n);
      cells.push(t?.unavailable ? 'n/a' : scoreCell(find(n, row.workload), row.value));
    }
    for (const [a, b] of ratioCols) {
      const ra = find(a, row.workload);
      const rb = find(b, row.workload);
      const va = ra && ra.score !== null && !ra.error ? row.value(ra) : undefined;
      const vb = rb && rb.score !== null && !rb.error ? row.value(rb) : undefined;
      cells.push(row.ratios ? ratio(va, vb) : '');
    }
    for (const col of refCols) {
      const rc = find(cairn!, row.workload);
      const v = rc && rc.score !== null && !rc.error && row.ratios ? row.value(rc) : undefined;
      cells.push(ratio(v, referenceFor(row.workload, row.unit, refs!, col)));
    }
    rows.push(cells);
  }
  out.push(table(header, rows));

  // server resources
  const rHeader = ['server resources', 'unit', ...names];
  const rRows: string[][] = [];
  rRows.push(['peak RSS (whole run)', 'MiB', ...names.map((n) => fmtOpt(byName.get(n)?.peakRssMiB))]);
  rRows.push(['CPU (whole run)', 's', ...names.map((n) => fmtOpt(byName.get(n)?.cpuSecTotal))]);
  for (const w of ['put4k', 'get4k', 'head4k', 'delete4k', 'mix4k', 'list10k'] as WorkloadName[]) {
    if (!present.has(w)) continue;
    const unit = w === 'list10k' ? 'ms/1k pages' : 'ms/1k ops';
    rRows.push([`${w} CPU`, unit, ...names.map((n) => fmtOpt(find(n, w)?.serverCpuMsPer1kOps))]);
  }
  for (const w of ['put64m', 'get64m', 'multipart1g'] as WorkloadName[]) {
    if (!present.has(w)) continue;
    rRows.push([`${w} CPU`, 's/GiB', ...names.map((n) => fmtOpt(find(n, w)?.serverCpuSecPerGiB))]);
    rRows.push([`${w} peak RSS`, 'MiB', ...names.map((n) => fmtOpt(find(n, w)?.serverPeakRssMiB))]);
  }
  out.push('');
  out.push(table(rHeader, rRows));
  const checks = cairn ? targetChecks(targets, refs, cairn) : [];
  if (refs || checks.length) {
    out.push('');
    out.push(formatReferences(refs, checks));
  }
  out.push('');
  out.push(`load generator: peak RSS ${fmtNum(rep.client.peakRssMiB)} MiB, CPU ${fmtNum(rep.client.cpuSec)} s`);

  // problems, n/a reasons, errors
  const notes: string[] = [];
  for (const t of targets) {
    if (t.unavailable) notes.push(`${t.target}: not run: ${t.unavailable}`);
    for (const p of t.problems ?? []) notes.push(`${t.target}: ${p}`);
    for (const r of t.results) {
      if (r.na) notes.push(`${t.target} ${r.workload}: n/a: ${r.na}`);
      if (r.error) notes.push(`${t.target} ${r.workload}: SCORE 0: ${r.error}`);
      if (r.errors && !r.na) notes.push(`${t.target} ${r.workload}: ${r.errors}/${r.ops} failed ops: ${JSON.stringify(r.errorCodes)}`);
      for (const n of r.notes ?? []) if (!r.na || !n.startsWith('first error')) notes.push(`${t.target} ${r.workload}: ${n}`);
    }
  }
  if (notes.length) {
    out.push('');
    out.push(...notes.map((n) => `* ${n}`));
  }
  return out.join('\n');
}

function fmtOpt(x: number | undefined): string {
  return x === undefined ? '' : fmtNum(x);
}
