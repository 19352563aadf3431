#!/usr/bin/env node
/**
 * cairn-bench: runs the same S3 workloads against Cairn, s3rver and a bare Node HTTP server (each a
 * child process whose RSS/CPU is sampled), checks every body, prints a table and writes JSON.
 *
 *   node tools/bench/dist/bench.js [--targets cairn,s3rver,bare] [--workloads put4k,get4k,...]
 *        [--quick] [--duration S] [--concurrency N] [--out FILE] ...   (see --help)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makePool, MiB } from './data';
import { formatReport, type BenchReport, type TargetReport } from './report';
import { measureReferences, type References } from './references';
import { serveChild } from './servers';
import { type ProcReader, ProcSampler, procReader } from './stats';
import { ALL_TARGETS, type RunningTarget, startTarget, unavailable, type TargetConfig, type TargetName } from './targets';
import { isPgTarget, pgUnavailable, startPgTarget, sumReaders } from './gateways';
import { type BenchOptions, TargetBench, WORKLOADS, type WorkloadName } from './workloads';

const HELP = `Usage: node tools/bench/dist/bench.js [options]

  --targets LIST         comma-separated: ${ALL_TARGETS.join(', ')} (default cairn,s3rver,bare)
  --workloads LIST       comma-separated: ${WORKLOADS.join(', ')} (default all)
  --quick                small counts: a smoke run of well under a minute
  --duration S           time bound of each workload, seconds (default 8; quick 2)
  --concurrency N        requests in flight for the 4 KiB workloads (default 16)
  --large-concurrency N  requests in flight for 64 MiB PUT/GET and listing (default 4)
  --ops N                count bound of each 4 KiB workload (default 20000; quick 1000)
  --big-count N          count bound of the 64 MiB workloads, objects (default 16; quick 3)
  --multipart-mib N      size of the multipart upload, MiB (default 1024; quick 128)
  --part-mib N           part size, MiB (default 16); 4 parts in flight
  --multipart-duration S time bound of the multipart upload (default 60; quick 15)
  --list-keys N          keys listed by list10k (default 10000; quick 1000)
  --out FILE             JSON results (default tools/bench/results/bench-results.json)
  --cairn-cli FILE       Cairn CLI (default apps/s3/dist/cli.js)
  --cairn-node-args=STR  extra node flags for the Cairn process, e.g. --cairn-node-args="--cpu-prof --cpu-prof-dir=prof"
  --order interleaved|sequential
                         interleaved (default): all servers run at once (idle but one) and each
                         workload runs on every target in turn; sequential: one server at a time
  --pg-url URL           PostgreSQL for cairn-pg1 / cairn-pg2 (a fresh schema each; default: a
                         throwaway cluster with fsync on, Debian postgresql)
  --keep-data            keep the servers' data directories
  --skip-references      do not measure the machine's references (MD5/SHA-256 one core, disk fsync)
  --help
`;

const BENCH_DIR = resolve(__dirname, '..');
const REPO_ROOT = resolve(BENCH_DIR, '../..');

function list<T extends string>(value: string | undefined, allowed: readonly T[], dflt: T[], what: string): T[] {
  if (!value) return dflt;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`unknown ${what} "${i}" (one of ${allowed.join(', ')})`);
  return items as T[];
}

function num(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--serve-bare') || argv.includes('--serve-s3rver')) {
    await serveChild(argv);
    return -1; // keep running
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      targets: { type: 'string' },
      workloads: { type: 'string' },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      'large-concurrency': { type: 'string' },
      ops: { type: 'string' },
      'big-count': { type: 'string' },
      'multipart-mib': { type: 'string' },
      'part-mib': { type: 'string' },
      'multipart-duration': { type: 'string' },
      'list-keys': { type: 'string' },
      out: { type: 'string' },
      'cairn-cli': { type: 'string' },
      'cairn-node-args': { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      'pg-url': { type: 'string' },
      'skip-references': { type: 'boolean', default: false },
      order: { type: 'string', default: 'interleaved' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const quick = values.quick ?? false;
  const order = values.order;
  if (order !== 'interleaved' && order !== 'sequential') throw new Error('--order must be interleaved or sequential');
  const targets = list(values.targets, ALL_TARGETS, ['cairn', 's3rver', 'bare'], 'target');
  const workloads = list(values.workloads, WORKLOADS, [...WORKLOADS], 'workload');
  const largeConcurrency = Math.floor(num(values['large-concurrency'], 4, 'large-concurrency'));
  const opts: BenchOptions = {
    duration: num(values.duration, quick ? 2 : 8, 'duration'),
    multipartDuration: num(values['multipart-duration'], quick ? 15 : 60, 'multipart-duration'),
    smallConcurrency: Math.floor(num(values.concurrency, 16, 'concurrency')),
    largeConcurrency,
    listConcurrency: largeConcurrency,
    setupConcurrency: 64,
    smallOps: Math.floor(num(values.ops, quick ? 1000 : 20000, 'ops')),
    bigCount: Math.floor(num(values['big-count'], quick ? 3 : 16, 'big-count')),
    multipartBytes: Math.floor(num(values['multipart-mib'], quick ? 128 : 1024, 'multipart-mib') * MiB),
    partSize: Math.floor(num(values['part-mib'], 16, 'part-mib') * MiB),
    partsInFlight: 4,
    listKeys: Math.floor(num(values['list-keys'], quick ? 1000 : 10000, 'list-keys')),
    listPages: 1_000_000,
  };
  if (opts.partSize < 5 * MiB) throw new Error('--part-mib must be at least 5 (S3 minimum part size)');
  if (opts.partSize % 4096 !== 0) throw new Error('--part-mib must be a multiple of 4 KiB');
  const out = resolve(values.out ?? join(BENCH_DIR, 'results', 'bench-results.json'));
  const cfg: TargetConfig = {
    repoRoot: REPO_ROOT,
    cairnCli: values['cairn-cli'] ? resolve(values['cairn-cli']) : undefined,
    benchEntry: resolve(__filename),
    listKeys: opts.listKeys,
    keepData: values['keep-data'] ?? false,
    cairnNodeArgs: values['cairn-node-args'] ? values['cairn-node-args'].split(/\s+/).filter(Boolean) : [],
    ...(values['pg-url'] ? { pgUrl: values['pg-url'] } : {}),
  };

  const log = (m: string) => process.stderr.write(m + '\n');
  const startedAt = new Date().toISOString();
  log(`cairn-bench: targets ${targets.join(',')}; workloads ${workloads.join(',')}${quick ? ' (quick)' : ''}`);
  const self = new ProcSampler(procReader(process.pid), 200).start();
  const selfCpu0 = process.cpuUsage();
  const pool = makePool();
  const reports: TargetReport[] = [];
  let references: References | undefined;
  if (!values['skip-references']) {
    // before any server starts, so nothing competes with it
    references = measureReferences(pool, quick ? 0.5 : 1);
    log(
      `references: MD5 ${references.md5MiBs.toFixed(0)} MiB/s, SHA-256 ${references.sha256MiBs.toFixed(0)} MiB/s (one core); ` +
        `disk 1 MiB write+fsync ${references.disk1mMiBs.toFixed(0)} MiB/s, 4 KiB write+fsync ${references.disk4kOps.toFixed(0)} ops/s`,
    );
  }

  /** One target: its process, sampler, state and report. */
  interface Session {
    name: TargetName;
    target: RunningTarget;
    tb: TargetBench;
    sampler: ProcSampler;
    reader: ProcReader;
    cpuStart: number;
    rep: TargetReport;
    dead: boolean;
  }
  const sessions = new Map<TargetName, Session>();

  const open = async (name: TargetName): Promise<Session | undefined> => {
    const why = unavailable(name, cfg) ?? (isPgTarget(name) ? pgUnavailable(cfg) : undefined);
    if (why) {
      log(`[${name}] not run: ${why}`);
      reports.push({ target: name, unavailable: why, results: [] });
      return undefined;
    }
    log(`[${name}] starting`);
    let target: RunningTarget;
    try {
      target = isPgTarget(name) ? await startPgTarget(name, cfg) : await startTarget(name, cfg);
    } catch (e) {
      log(`[${name}] not run: ${(e as Error).message}`);
      reports.push({ target: name, unavailable: (e as Error).message, results: [] });
      return undefined;
    }
    const reader = target.pids ? sumReaders(target.pids.map(procReader)) : procReader(target.pid);
    const sampler = new ProcSampler(reader, 200).start();
    const rep: TargetReport = { target: name, pid: target.pid, results: [], problems: [] };
    reports.push(rep);
    const sess: Session = {
      name,
      target,
      tb: new TargetBench(target, pool, opts, sampler, (m) => log(`[${name}] ${m.trim()}`)),
      sampler,
      reader,
      cpuStart: reader()?.cpuSeconds ?? 0,
      rep,
      dead: false,
    };
    try {
      await sess.tb.createBuckets();
    } catch (e) {
      rep.problems!.push((e as Error).message);
      log(`[${name}] aborted: ${(e as Error).message}`);
      sess.dead = true;
    }
    sessions.set(name, sess);
    return sess;
  };

  const runOne = async (sess: Session, w: WorkloadName): Promise<void> => {
    if (sess.dead) return;
    const exited = sess.target.exited();
    if (exited) {
      sess.rep.problems!.push(`server exited (${JSON.stringify(exited)}) before ${w}: ${sess.target.output().trim().slice(-500)}`);
      sess.dead = true;
      return;
    }
    try {
      const r = await sess.tb.run(w);
      sess.rep.results.push(r);
      const score = r.score === null ? `n/a (${r.na})` : `${r.score.toFixed(1)} ${r.unit}`;
      const lat = r.latencyMs && r.score !== null ? ` p50 ${r.latencyMs.p50.toFixed(2)} ms p99 ${r.latencyMs.p99.toFixed(2)} ms` : '';
      const err = r.errors && r.score !== null ? ` errors ${r.errors}/${r.ops}` : '';
      const bad = r.error ? ` BAD: ${r.error}` : '';
      log(`[${sess.name}] ${w}: ${score}${lat}${err} (${r.ops} ops, ${r.elapsedSec.toFixed(1)} s)${bad}`);
    } catch (e) {
      sess.rep.problems!.push(`${w}: ${(e as Error).message}`);
      log(`[${sess.name}] ${w} aborted: ${(e as Error).message}`);
    }
  };

  const close = async (sess: Session): Promise<void> => {
    const end = sess.reader();
    sess.sampler.stop();
    sess.rep.peakRssMiB = sess.sampler.peakRssBytes / MiB;
    if (end) sess.rep.cpuSecTotal = end.cpuSeconds - sess.cpuStart;
    const exited = sess.target.exited();
    if (exited && !sess.dead) sess.rep.problems!.push(`server exited: ${JSON.stringify(exited)}`);
    await sess.target.stop();
    if (sess.rep.problems!.length === 0) delete sess.rep.problems;
  };

  if (order === 'sequential') {
    for (const name of targets) {
      const sess = await open(name);
      if (!sess) continue;
      for (const w of workloads) await runOne(sess, w);
      await close(sess);
    }
  } else {
    // all servers up at once; each workload runs on every target in turn, so a change in the
    // machine's background load affects the targets' figures alike (the ratios stay fair)
    for (const name of targets) await open(name);
    for (const w of workloads) for (const sess of sessions.values()) await runOne(sess, w);
    for (const sess of sessions.values()) await close(sess);
  }
  reports.sort((a, b) => targets.indexOf(a.target as TargetName) - targets.indexOf(b.target as TargetName));

  const cpu = cpus();
  const report: BenchReport = {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    host: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? '',
      memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    },
    options: { ...opts, quick, order, targets, workloads },
    client: (() => {
      self.stop();
      self.sample();
      const c = process.cpuUsage(selfCpu0);
      return { peakRssMiB: self.peakRssBytes / MiB, cpuSec: (c.user + c.system) / 1e6 };
    })(),
    targets: reports,
    references,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write('\n' + formatReport(report) + '\n\n');
  log(`results written to ${out}`);
  const bad = reports.some((t) => t.results.some((r) => r.error));
  return bad ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e) => {
    process.stderr.write(`cairn-bench: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  },
);
