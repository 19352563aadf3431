/**
 * Console sign-in: an access key id + secret checked against the store, answered with a random
 * session id in a cookie that is HttpOnly (scripts cannot read it), SameSite=Strict (never sent
 * on cross-site requests: CSRF-safe) and Path=/. Sessions live in memory for 8 hours (a restart
 * signs everybody out); every request re-checks that the key still exists and its user is not
 * suspended, so deleting a key or suspending a user ends its sessions at once.
 *
 * State-changing console requests must also carry `X-Cairn-Console: 1` (a header a cross-site
 * form cannot send, and a cross-site fetch could only send after a CORS preflight nobody answers).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { ROOT_USER_ID, type EngineApi } from '@cairn/engine';
import { AdminError } from '../errors';

export const SESSION_COOKIE = 'cairn_console';
export const CONSOLE_HEADER = 'x-cairn-console';
const TTL_MS = 8 * 3600_000;
const MAX_SESSIONS = 10_000;

export interface ConsoleSession {
  userId: string;
  accessKeyId: string;
  root: boolean;
  expires: number;
}

/** The signed-in caller with the secret needed to sign its S3 requests (never sent to the browser). */
export interface ConsoleCaller extends ConsoleSession {
  secretAccessKey: string;
}

function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly engine: EngineApi,
    private readonly root: { accessKeyId: string; secretAccessKey: string },
  ) {}

  /** The key's owner when the secret matches, else undefined (suspended users are refused). */
  async verify(accessKeyId: string, secretAccessKey: string): Promise<ConsoleCaller | undefined> {
    const found = await this.resolve(accessKeyId);
    if (!found || !secretsEqual(found.secretAccessKey, secretAccessKey)) return undefined;
    if (found.suspended) throw new AdminError(403, 'UserSuspended', 'The user has been suspended.');
    return { userId: found.userId, accessKeyId, root: found.userId === ROOT_USER_ID, expires: Date.now() + TTL_MS, secretAccessKey: found.secretAccessKey };
  }

  create(caller: ConsoleCaller): string {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { userId: caller.userId, accessKeyId: caller.accessKeyId, root: caller.root, expires: caller.expires });
    return id;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** The session's caller, re-checked against the store; undefined when absent, expired or revoked. */
  async caller(id: string | undefined): Promise<ConsoleCaller | undefined> {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    const found = await this.resolve(s.accessKeyId);
    if (!found || found.suspended || found.userId !== s.userId) {
      this.sessions.delete(id);
      return undefined;
    }
    return { ...s, secretAccessKey: found.secretAccessKey };
  }

  private async resolve(accessKeyId: string): Promise<{ userId: string; secretAccessKey: string; suspended: boolean } | undefined> {
    if (accessKeyId === this.root.accessKeyId) return { userId: ROOT_USER_ID, secretAccessKey: this.root.secretAccessKey, suspended: false };
    const found = await this.engine.lookupAccessKey(accessKeyId);
    return found ? { userId: found.user.id, secretAccessKey: found.secretAccessKey, suspended: !!found.user.suspended } : undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expires < now) this.sessions.delete(id);
    // A flood of sign-ins cannot grow memory without bound: drop the oldest.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
  }
}

export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${TTL_MS / 1000}`;
}
export const CLEAR_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

export function sessionIdOf(ctx: Koa.Context): string | undefined {
  const header = ctx.get('cookie');
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=');
  }
  return undefined;
}

/** CSRF guard: console requests must carry the console header (cross-site pages cannot add it). */
export function requireConsoleHeader(ctx: Koa.Context): void {
  if (ctx.get(CONSOLE_HEADER) !== '1') throw new AdminError(403, 'AccessDenied', `console requests need the "${CONSOLE_HEADER}: 1" header`);
}
