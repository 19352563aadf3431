import { parseStatCpuTicks, parseStatusRss, percentileSorted, ProcSampler, procReader, Samples, summarize } from '../src/stats';

describe('percentiles', () => {
  it('uses the nearest-rank method', () => {
    const a = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentileSorted(a, 50)).toBe(50);
    expect(percentileSorted(a, 99)).toBe(99);
    expect(percentileSorted(a, 100)).toBe(100);
    expect(percentileSorted(a, 0)).toBe(1);
    expect(percentileSorted([15, 20, 35, 40, 50], 30)).toBe(20);
    expect(percentileSorted([15, 20, 35, 40, 50], 40)).toBe(20);
    expect(percentileSorted([15, 20, 35, 40, 50], 50)).toBe(35);
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples', () => {
    const s = new Samples(2);
    for (const v of [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]) s.push(v);
    const r = summarize(s.values());
    expect(r).toMatchObject({ count: 10, min: 1, max: 10, p50: 5, p90: 9, p99: 10, mean: 5.5 });
  });
});

describe('/proc parsing and the sampler', () => {
  it('parses VmRSS and utime+stime', () => {
    expect(parseStatusRss('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t   51200 kB\n')).toBe(51200 * 1024);
    expect(parseStatusRss('Name:\tx\n')).toBeNaN();
    // comm with spaces and a ')' inside
    const stat = '1234 (my (weird) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 1000 200';
    expect(parseStatCpuTicks(stat)).toBe(300);
  });

  it('tracks peak RSS overall and per phase, and CPU per phase', () => {
    const readings = [
      { rssBytes: 100, cpuSeconds: 1 }, // start
      { rssBytes: 300, cpuSeconds: 2 }, // tick
      { rssBytes: 150, cpuSeconds: 3 }, // mark
      { rssBytes: 200, cpuSeconds: 4 }, // tick
      { rssBytes: 120, cpuSeconds: 6 }, // phase end
    ];
    let i = 0;
    const s = new ProcSampler(() => readings[i++]);
    s.sample();
    s.sample();
    s.mark();
    s.sample();
    const p = s.phase();
    expect(p).toEqual({ peakRssBytes: 200, cpuSeconds: 3 });
    expect(s.peakRssBytes).toBe(300);
    expect(s.samples).toBe(5);
  });

  it('reads this process from /proc', () => {
    const r = procReader(process.pid)();
    expect(r).toBeDefined();
    expect(r!.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(r!.cpuSeconds).toBeGreaterThan(0);
    expect(procReader(2 ** 22 + 7)()).toBeUndefined();
  });
});
