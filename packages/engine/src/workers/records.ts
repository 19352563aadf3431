/** Worker status and state records W/<worker>[\0<sub>] (keys.ts). */
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import type { WorkerStatus } from './api';

export async function getWorkerState(ctx: Ctx, worker: string, sub: string): Promise<unknown> {
  return ctx.db.getJson<unknown>(keys.workerStateKey(worker, sub));
}

export async function putWorkerState(ctx: Ctx, worker: string, sub: string, value: unknown): Promise<void> {
  await ctx.committer.run((tx) => {
    if (value === null || value === undefined) tx.del(keys.workerStateKey(worker, sub));
    else tx.put(keys.workerStateKey(worker, sub), value as object);
  });
}

export async function putWorkerStatus(ctx: Ctx, status: WorkerStatus): Promise<void> {
  await ctx.committer.run((tx) => tx.put(keys.workerStatusKey(status.worker), status));
}

export async function listWorkerStatus(ctx: Ctx): Promise<WorkerStatus[]> {
  const out: WorkerStatus[] = [];
  for (const [k, v] of await ctx.db.all(keys.workerStatusRange())) {
    if (keys.decodeWorkerKey(k).sub === undefined) out.push(JSON.parse(v.toString('utf8')) as WorkerStatus);
  }
  return out;
}
