/** The workers Cairn knows, by the name `--workers` and `cairn worker <name>` use. */
import { LifecycleWorker, LIFECYCLE_WORKER, type LifecycleWorkerOptions } from './lifecycleWorker';
import type { Worker } from './runtime';

/**
 * `notify`: the bucket-notification workers, one per `--notify-target` (named `notify:<target>`).
 * They deliver over HTTP / AMQP / MQTT, so they live in @cairn/s3 (notifications/), which creates
 * them; createWorker does not.
 */
export const NOTIFY_WORKERS = 'notify';

export const KNOWN_WORKERS: readonly string[] = [LIFECYCLE_WORKER, NOTIFY_WORKERS];

export interface WorkerOptions {
  lifecycle?: LifecycleWorkerOptions;
}

export function createWorker(name: string, opts: WorkerOptions = {}): Worker {
  if (name === LIFECYCLE_WORKER) return new LifecycleWorker(opts.lifecycle);
  if (name === NOTIFY_WORKERS) throw new Error('notification workers are created per target by the server (@cairn/s3 notifications/)');
  throw new Error(`unknown worker "${name}" (known: ${KNOWN_WORKERS.join(', ')})`);
}

/** Parses a `--workers` value: "all" (default), "none", or a comma-separated list of names. */
export function parseWorkerList(value: string | undefined): string[] {
  if (value === undefined || value === 'all') return [...KNOWN_WORKERS];
  if (value === 'none' || value === '') return [];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!KNOWN_WORKERS.includes(n)) throw new Error(`--workers: unknown worker "${n}" (known: ${KNOWN_WORKERS.join(', ')}, or none / all)`);
  return [...new Set(names)];
}
