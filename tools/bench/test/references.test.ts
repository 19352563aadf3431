import { formatReferences, rateOf, targetChecks, type References } from '../src/references';
import { formatReport, referenceFor, type BenchReport, type TargetReport } from '../src/report';
import type { WorkloadName, WorkloadResult } from '../src/workloads';

const refs: References = { md5MiBs: 800, sha256MiBs: 1800, disk1mMiBs: 1000, disk4kOps: 10000, dir: '/tmp' };

function r(workload: WorkloadName, score: number, p99 = 5, extra: Partial<WorkloadResult> = {}): WorkloadResult {
  const unit = workload.endsWith('4k') ? 'ops/s' : 'MiB/s';
  return {
    workload,
    unit,
    score,
    ops: 100,
    errors: 0,
    errorRate: 0,
    elapsedSec: 1,
    bytes: 0,
    latencyMs: { count: 100, min: 1, mean: 2, p50: 2, p90: 3, p99, max: p99 },
    ...extra,
  };
}

function targets(cairn: WorkloadResult[], peakRssMiB = 150): TargetReport[] {
  return [
    { target: 'cairn', results: cairn, peakRssMiB },
    { target: 's3rver', results: [r('put64m', 400), r('get64m', 800), r('put4k', 1000), r('get4k', 2000), r('delete4k', 3000)] },
    { target: 'bare', results: [r('put64m', 2000), r('get64m', 2000), r('put4k', 10000), r('get4k', 20000)] },
  ];
}

describe('rates', () => {
  it('divides units by elapsed nanoseconds', () => {
    expect(rateOf(100, 2_000_000_000n)).toBe(50);
    expect(rateOf(3, 500_000_000)).toBe(6);
    expect(rateOf(5, 0n)).toBe(0);
  });
});

describe('issue-13 goals', () => {
  it('forms each ratio from the right references and decides met / not met', () => {
    const checks = targetChecks(
      targets([r('put64m', 600), r('get64m', 1300), r('put4k', 2500, 15), r('get4k', 3000, 12), r('delete4k', 3000), r('multipart1g', 550)]),
      refs,
    );
    const by = Object.fromEntries(checks.map((c) => [c.goal, c]));
    // min(MD5 800, disk 1000, sink 2000) = 800; 600 / 800 = 0.75 ≥ 0.7
    expect(by['64 MiB PUT ≥ 0.7 × min(MD5, disk, sink)']).toMatchObject({ value: 0.75, met: true });
    expect(by['64 MiB GET ≥ 0.6 × sink']).toMatchObject({ value: 0.65, met: true });
    expect(by['64 MiB GET ≥ 1.5 × s3rver']).toMatchObject({ value: 1.625, met: true });
    expect(by['4 KiB PUT ≥ 2 × s3rver']).toMatchObject({ value: 2.5, met: true });
    expect(by['4 KiB PUT p99 < 20 ms']).toMatchObject({ value: 15, met: true });
    expect(by['4 KiB GET ≥ 2 × s3rver']).toMatchObject({ value: 1.5, met: false });
    expect(by['4 KiB GET p99 < 10 ms']).toMatchObject({ value: 12, met: false });
    expect(by['DELETE ≥ s3rver']).toMatchObject({ value: 1, met: true });
    expect(by['multipart ≥ single PUT'].met).toBe(false);
    expect(by['peak RSS ≤ 200 MiB']).toMatchObject({ value: 150, met: true });
  });

  it('uses the disk or the sink when it is the lowest floor', () => {
    const slowDisk = { ...refs, disk1mMiBs: 300 };
    const [put] = targetChecks(targets([r('put64m', 240)]), slowDisk);
    expect(put.value).toBeCloseTo(0.8);
    expect(put.detail).toContain('disk 300');
  });

  it('leaves a goal undecided when an input is missing, and a wrong body does not count', () => {
    const checks = targetChecks(targets([r('put64m', 600, 5, { error: 'bad byte' })]), undefined);
    const put = checks.find((c) => c.goal.startsWith('64 MiB PUT'))!;
    expect(put.met).toBeUndefined();
    expect(checks.find((c) => c.goal.startsWith('DELETE'))!.met).toBeUndefined();
  });
});

describe('report', () => {
  it('prints the references, the goal table and the reference ratio columns', () => {
    const rep: BenchReport = {
      version: 1,
      startedAt: '',
      finishedAt: '',
      host: { node: 'v22', platform: 'linux-x64', cpus: 2, cpuModel: 'x', memGiB: 4 },
      options: {},
      client: { peakRssMiB: 100, cpuSec: 1 },
      targets: targets([r('put64m', 400), r('put4k', 2500)]),
      references: refs,
    };
    const text = formatReport(rep);
    expect(text).toContain('cairn÷hash');
    expect(text).toContain('cairn÷disk');
    expect(text).toContain('MD5 one core 800 MiB/s');
    // put64m: 400 / MD5 800 = 0.50, 400 / disk 1000 = 0.40
    const line = text.split('\n').find((l) => l.startsWith('put64m'))!;
    expect(line.trim().split(/\s+/).slice(-2)).toEqual(['0.50', '0.40']);
    expect(text).toMatch(/64 MiB PUT ≥ 0\.7 × min\(MD5, disk, sink\)\s+0\.50\s+NO/);
    expect(formatReferences(undefined, [])).toBe('');
  });

  it('divides GETs by SHA-256 and small writes by the 4 KiB fsync rate', () => {
    expect(referenceFor('get64m', 'MiB/s', refs, 'hash')).toBe(1800);
    expect(referenceFor('put64m', 'MiB/s', refs, 'hash')).toBe(800);
    expect(referenceFor('put4k', 'ops/s', refs, 'disk')).toBe(10000);
    expect(referenceFor('get4k', 'ops/s', refs, 'disk')).toBeUndefined();
    expect(referenceFor('list10k', 'keys/s', refs, 'hash')).toBeUndefined();
  });
});
