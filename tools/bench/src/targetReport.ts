/** One target's results in a run (shared by report.ts and references.ts). */
import type { WorkloadResult } from './workloads';

export interface TargetReport {
  target: string;
  /** why the target did not run */
  unavailable?: string;
  pid?: number;
  peakRssMiB?: number;
  cpuSecTotal?: number;
  results: WorkloadResult[];
  /** non-fatal problems (e.g. the server died) */
  problems?: string[];
}
