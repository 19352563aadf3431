/**
 * Users and access keys. Secrets are stored as given: SigV4/SigV2 verification needs the
 * plaintext secret (the HMAC key), so the data directory must be protected like a key store.
 */
import { randomInt } from 'node:crypto';
import { S3Error } from './errors';
import type { Txn } from './commit';
import type { Ctx } from './context';
import * as keys from './keys';
import type { AccessKeyLookup, User, UserInput } from './types';

export const ROOT_USER_ID = 'root';

interface AccessKeyRecord {
  userId: string;
  secret: string;
  createdAt: string;
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export const generateAccessKeyId = (): string => randomString(UPPER_ALNUM, 20);
export const generateSecretAccessKey = (): string => randomString(ALNUM, 40);

function checkId(what: string, v: string | undefined): string {
  if (typeof v !== 'string' || v.length === 0 || v.includes('\u0000')) {
    throw new S3Error('InvalidArgument', `${what} must be a non-empty string without NUL characters`, { ArgumentName: what });
  }
  return v;
}

/** Stages the user + access key writes; returns the user as it will be stored. */
async function stageUpsert(ctx: Ctx, tx: Txn, input: UserInput): Promise<User> {
  const id = checkId('id', input.id);
  const akid = checkId('accessKeyId', input.accessKeyId);
  const secret = checkId('secretAccessKey', input.secretAccessKey);
  const existingKey = await ctx.db.getJson<AccessKeyRecord>(keys.accessKeyKey(akid));
  if (existingKey && existingKey.userId !== id) {
    throw new S3Error('InvalidArgument', 'The access key id belongs to another user', { ArgumentName: 'accessKeyId' });
  }
  const old = await ctx.db.getJson<User>(keys.userKey(id));
  const user: User = {
    ...(old ?? {}),
    id,
    displayName: input.displayName ?? old?.displayName ?? id,
    createdAt: old?.createdAt ?? new Date(tx.now).toISOString(),
  };
  if (input.email !== undefined) user.email = input.email;
  tx.put(keys.userKey(id), user);
  if (!existingKey || existingKey.secret !== secret) {
    tx.put(keys.accessKeyKey(akid), { userId: id, secret, createdAt: existingKey?.createdAt ?? new Date(tx.now).toISOString() });
  }
  return user;
}

export function upsertUser(ctx: Ctx, input: UserInput): Promise<User> {
  return ctx.committer.run((tx) => stageUpsert(ctx, tx, input));
}

export async function getUser(ctx: Ctx, id: string): Promise<User | undefined> {
  if (typeof id !== 'string' || id.length === 0) return undefined;
  return ctx.db.getJson<User>(keys.userKey(id));
}

export async function lookupAccessKey(ctx: Ctx, accessKeyId: string): Promise<AccessKeyLookup | undefined> {
  if (typeof accessKeyId !== 'string' || accessKeyId.length === 0) return undefined;
  const rec = await ctx.db.getJson<AccessKeyRecord>(keys.accessKeyKey(accessKeyId));
  if (!rec) return undefined;
  const user = await getUser(ctx, rec.userId);
  if (!user) return undefined;
  return { user, accessKeyId, secretAccessKey: rec.secret };
}

/**
 * The root user: explicit keys win (and replace the previously persisted root key), else the
 * persisted ones, else fresh ones are generated and persisted (`created: true`).
 */
export function ensureRootUser(
  ctx: Ctx,
  given?: { accessKeyId?: string; secretAccessKey?: string },
): Promise<{ user: User; accessKeyId: string; secretAccessKey: string; created: boolean }> {
  const hasId = !!given?.accessKeyId;
  const hasSecret = !!given?.secretAccessKey;
  if (hasId !== hasSecret) {
    return Promise.reject(new S3Error('InvalidArgument', 'Give both the root access key id and secret, or neither'));
  }
  return ctx.committer.run(async (tx) => {
    const rootKey = keys.settingKey(keys.ROOT_SETTING);
    const current = await ctx.db.getJson<{ accessKeyId: string }>(rootKey);
    const currentKey = current ? await ctx.db.getJson<AccessKeyRecord>(keys.accessKeyKey(current.accessKeyId)) : undefined;
    const existingUser = await ctx.db.getJson<User>(keys.userKey(ROOT_USER_ID));

    let accessKeyId: string;
    let secretAccessKey: string;
    let created = false;
    if (hasId && hasSecret) {
      accessKeyId = given!.accessKeyId!;
      secretAccessKey = given!.secretAccessKey!;
    } else if (current && currentKey && currentKey.userId === ROOT_USER_ID && existingUser) {
      return { user: existingUser, accessKeyId: current.accessKeyId, secretAccessKey: currentKey.secret, created: false };
    } else {
      accessKeyId = generateAccessKeyId();
      secretAccessKey = generateSecretAccessKey();
      created = true;
    }
    const user = await stageUpsert(ctx, tx, { id: ROOT_USER_ID, displayName: existingUser?.displayName ?? 'root', accessKeyId, secretAccessKey });
    if (current && current.accessKeyId !== accessKeyId && currentKey?.userId === ROOT_USER_ID) {
      tx.del(keys.accessKeyKey(current.accessKeyId));
    }
    if (current?.accessKeyId !== accessKeyId) tx.put(rootKey, { accessKeyId });
    return { user, accessKeyId, secretAccessKey, created };
  });
}
