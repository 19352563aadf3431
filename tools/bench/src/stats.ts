/**
 * Pure statistics (percentiles) and the per-process resource sampler (RSS, CPU time from /proc).
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * Nearest-rank percentile of an ascending-sorted array: the smallest value such that at least
 * p% of the samples are ≤ it. p in [0, 100]. NaN for an empty array.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (p <= 0) return sorted[0];
  if (p >= 100) return sorted[n - 1];
  const rank = Math.ceil((p / 100) * n); // 1-based
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Summary of latencies (any unit); sorts a copy. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    count: n,
    min: n ? sorted[0] : NaN,
    mean: n ? sum / n : NaN,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: n ? sorted[n - 1] : NaN,
  };
}

/** Growable Float64 sample buffer (no per-sample allocation). */
export class Samples {
  private buf: Float64Array;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Float64Array(initial);
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      const nb = new Float64Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    this.buf[this.length++] = v;
  }
  values(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

// ---------------------------------------------------------------------------------------------
// /proc parsing (pure)

/** VmRSS in bytes from the text of /proc/<pid>/status; NaN when absent. */
export function parseStatusRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** utime + stime in clock ticks from the text of /proc/<pid>/stat. */
export function parseStatCpuTicks(stat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces or ')': split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  return utime + stime;
}

let clkTck: number | undefined;
export function clockTicksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcReading {
  rssBytes: number;
  cpuSeconds: number;
}

export type ProcReader = () => ProcReading | undefined;

/** Reads /proc/<pid>; undefined once the process is gone. */
export function procReader(pid: number): ProcReader {
  const tck = clockTicksPerSecond();
  return () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return { rssBytes: parseStatusRss(status), cpuSeconds: parseStatCpuTicks(stat) / tck };
    } catch {
      return undefined;
    }
  };
}

export interface PhaseUsage {
  /** peak RSS seen during the phase (sampled), bytes */
  peakRssBytes: number;
  /** CPU seconds (user + system) used by the process during the phase */
  cpuSeconds: number;
}

/**
 * Samples a process every `intervalMs` (RSS peak overall and since the last `mark()`), and measures
 * CPU time per phase exactly (reads at mark and at end, not only at sample ticks).
 */
export class ProcSampler {
  peakRssBytes = 0;
  private phasePeak = 0;
  private phaseCpuStart = 0;
  private timer: NodeJS.Timeout | undefined;
  samples = 0;

  constructor(
    private readonly read: ProcReader,
    private readonly intervalMs = 200,
  ) {}

  /** One sample; returns the reading (undefined if the process is gone). */
  sample(): ProcReading | undefined {
    const r = this.read();
    if (!r) return undefined;
    this.samples++;
    if (r.rssBytes > this.peakRssBytes) this.peakRssBytes = r.rssBytes;
    if (r.rssBytes > this.phasePeak) this.phasePeak = r.rssBytes;
    return r;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Begins a phase. */
  mark(): void {
    const r = this.sample();
    this.phasePeak = r ? r.rssBytes : 0;
    this.phaseCpuStart = r ? r.cpuSeconds : NaN;
  }

  /** Ends the phase begun by the last mark(). */
  phase(): PhaseUsage {
    const r = this.sample();
    return {
      peakRssBytes: this.phasePeak,
      cpuSeconds: r ? r.cpuSeconds - this.phaseCpuStart : NaN,
    };
  }
}
