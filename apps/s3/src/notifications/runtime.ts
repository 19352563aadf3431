/**
 * Starting the notification workers: one feed consumer and one WorkerRunner per target, named
 * `notify:<target>` (lease worker/notify:<target>, status W/notify:<target>, feed consumer
 * notify:<target>), used by `cairn serve` (in-process) and `cairn worker notify` (own process).
 */
import { WorkerRunner, type RunnerOptions, type WorkerEngineApi } from '@cairn/engine';
import { NotifyWorker, NOTIFY_WORKER_PREFIX, notifyWorkerName, type NotifyWorkerOptions } from './notifyWorker';
import type { NotificationTarget, NotifyTargetSpec } from './target';
import { createTarget } from './createTarget';

export type NotifyRuntimeOptions = NotifyWorkerOptions;

/**
 * Registers (or re-enables) the feed consumer of every configured target, so changes made from
 * now on are kept for it even before its worker runs; disables the consumers of targets no
 * longer configured, so they stop holding the feed back (re-adding the target re-enables it; if
 * the feed was trimmed meanwhile, it reports the gap as an overflow).
 */
export async function prepareNotifyConsumers(
  engine: Pick<WorkerEngineApi, 'registerFeedConsumer'> & { feedStatus(): Promise<{ consumers: { name: string; enabled: boolean }[] }> },
  targets: NotifyTargetSpec[],
  log?: (msg: string) => void,
): Promise<void> {
  const names = new Set(targets.map((t) => notifyWorkerName(t.name)));
  for (const name of names) await engine.registerFeedConsumer(name, { enabled: true });
  for (const c of (await engine.feedStatus()).consumers) {
    if (c.name.startsWith(NOTIFY_WORKER_PREFIX) && c.enabled && !names.has(c.name)) {
      await engine.registerFeedConsumer(c.name, { enabled: false });
      log?.(`notification target ${c.name.slice(NOTIFY_WORKER_PREFIX.length)} is no longer configured: its feed consumer ${c.name} is disabled`);
    }
  }
}

export function startNotifyWorkers(
  api: WorkerEngineApi,
  specs: NotifyTargetSpec[],
  opts: NotifyRuntimeOptions,
  runner: RunnerOptions,
): { runners: WorkerRunner[]; targets: NotificationTarget[]; close(): Promise<void> } {
  const targets = specs.map(createTarget);
  const runners = targets.map((t) => new WorkerRunner(api, new NotifyWorker(t, opts), runner));
  for (const r of runners) r.start();
  return {
    runners,
    targets,
    async close() {
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all(targets.map((t) => t.close()));
    },
  };
}
