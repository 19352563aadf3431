/**
 * What the `cairn` command prints when it fails: one line naming the cause and what to do, never
 * a stack or the whole usage text (that is for usage errors only, `UsageError`).
 */

/** A wrong command line: printed with the usage text of the command (`usage`, else the main one). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

type Errno = Error & { code?: string; syscall?: string; path?: string; address?: string; port?: number; cause?: unknown };

/** The innermost error with a code along the `cause` chain (classic-level wraps LEVEL_LOCKED). */
function errnoOf(e: unknown): Errno | undefined {
  let found: Errno | undefined;
  for (let cur = e as Errno | undefined, depth = 0; cur && typeof cur === 'object' && depth < 5; cur = cur.cause as Errno | undefined, depth++) {
    if (typeof cur.code === 'string') found = cur;
  }
  return found;
}

/** `cairn serve` could not start: port, data directory or store problems in plain words. */
export function describeServeError(e: unknown, where: { dataDir: string; host: string; port: number }): string {
  const err = errnoOf(e);
  const code = err?.code;
  if (code === 'EADDRINUSE') return `port ${err!.port ?? where.port} on ${where.host} is already in use (another server running?): stop it or choose --port`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${where.host}: no such local address (check --host)`;
  if ((code === 'EACCES' || code === 'EPERM') && err?.syscall === 'listen')
    return `not allowed to listen on ${where.host}:${where.port} (ports below 1024 need privileges): choose --port`;
  if (code === 'LEVEL_LOCKED')
    return `the store in ${where.dataDir} is in use by another running cairn server (its meta/LOCK is held): stop that server or use another --data`;
  const path = err?.path ?? where.dataDir;
  if (code === 'EACCES' || code === 'EPERM')
    return `data directory ${where.dataDir} is not writable (permission denied on ${path}): fix its permissions or choose --data`;
  if (code === 'EROFS') return `data directory ${where.dataDir} is on a read-only file system (${path}): choose a writable --data`;
  if (code === 'ENOENT') return `data directory ${where.dataDir} cannot be created: ${path} does not exist (a missing parent directory?)`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return `data directory ${where.dataDir} cannot be used: ${path} is a file, not a directory`;
  if (code === 'ENOSPC') return `no space left on the device holding ${where.dataDir}`;
  return (e as Error)?.message ?? String(e);
}

/** `cairn admin` could not talk to the admin API: say where it looked and why. */
export function describeAdminError(e: unknown, endpoint: string): string {
  const err = errnoOf(e);
  if (err && (e as Error)?.message === 'fetch failed') {
    return `cannot reach the admin API at ${endpoint} (${err.code}): is \`cairn serve --admin-port N\` running there? (set --endpoint or CAIRN_ADMIN_ENDPOINT)`;
  }
  if ((e as Error)?.message === 'fetch failed') return `cannot reach the admin API at ${endpoint}: is \`cairn serve --admin-port N\` running there?`;
  if (e instanceof SyntaxError) return `${endpoint} did not answer like the admin API (not JSON): check --endpoint`;
  return (e as Error)?.message ?? String(e);
}
