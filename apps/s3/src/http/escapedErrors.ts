/**
 * Errors that escape the koa middleware chain: a throw in a 'close' / 'finish' listener, a timer,
 * a stream callback, or a promise nobody awaits. koa's try/catch never sees them, and Node's
 * default turns them into a process exit — so one client closing its socket at the wrong moment
 * could stop the server for everyone.
 *
 * - `requestScope` (AsyncLocalStorage) carries the request id through everything a request
 *   starts (timers, promises), so an escaped error is logged with the id of the request that
 *   caused it. Only with `cairn serve --trace-requests`: on Node 20 its promise hooks cost every
 *   request 10-25% more CPU (4 KiB GET/HEAD), so by default the id is missing from such lines.
 * - `guarded(fn)` wraps listeners registered outside the chain: a throw is reported, not raised.
 * - `installCrashPolicy()` (called by `cairn serve`, not by embedders) logs and counts whatever
 *   still reaches `uncaughtException` / `unhandledRejection`, and KEEPS SERVING. Why: every
 *   change is one atomic LevelDB batch and chunk files are written before the metadata naming
 *   them, so a failed request leaves no half-state to protect, while exiting would hand any
 *   client that finds such a bug a way to stop the server. The count is on `GET /-/health/live`
 *   so monitoring can alert on it (any non-zero value is a bug worth reporting).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const requestScope = new AsyncLocalStorage<{ requestId: string }>();

export type EscapeKind = 'uncaughtException' | 'unhandledRejection' | 'listener';

let escaped = 0;

/** How many errors escaped the request path since the process started. */
export function escapedErrorCount(): number {
  return escaped;
}

export function reportEscapedError(kind: EscapeKind, err: unknown, requestId = requestScope.getStore()?.requestId, where?: string): void {
  escaped++;
  try {
    const e = err as { stack?: string } | undefined;
    const line = {
      time: new Date().toISOString(),
      level: 'error',
      msg: `escaped error (${kind})`,
      requestId,
      where,
      error: e?.stack ?? String(err),
      escapedErrors: escaped,
    };
    process.stderr.write(JSON.stringify(line) + '\n');
  } catch {
    // logging must never be what throws here
  }
}

/** `fn` for a listener outside the middleware chain: a throw is reported (with the request id), never raised. */
export function guarded<A extends unknown[]>(where: string, requestId: string | undefined, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (e) {
      reportEscapedError('listener', e, requestId, where);
    }
  };
}

/** Process-wide: log and count escaped errors and keep serving (see the header). Returns an uninstaller. */
export function installCrashPolicy(): () => void {
  const onException = (e: unknown) => reportEscapedError('uncaughtException', e);
  const onRejection = (e: unknown) => reportEscapedError('unhandledRejection', e);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
