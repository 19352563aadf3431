/**
 * Users and access keys. Secrets are stored as given: SigV4/SigV2 verification needs the
 * plaintext secret (the HMAC key), so the data directory must be protected like a key store.
 */
import { randomInt } from 'node:crypto';
import { S3Error, invalidArgument } from '../errors';
import type { Txn } from '../meta/commit';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import type { AccessKeyInfo, AccessKeyLookup, CreatedAccessKey, CreateUserInput, User, UserInput, UserUpdate } from '../types';

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
    throw invalidArgument(`${what} must be a non-empty string without NUL characters`, what);
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
    throw invalidArgument('The access key id belongs to another user', 'accessKeyId');
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
  const epoch = ctx.committer.accountEpoch; // before the reads (keyCache.ts)
  const hit = ctx.accessKeys.get(accessKeyId, epoch);
  if (hit) return hit;
  const rec = await ctx.db.getJson<AccessKeyRecord>(keys.accessKeyKey(accessKeyId));
  if (!rec) return undefined;
  const user = await getUser(ctx, rec.userId);
  if (!user) return undefined;
  // Frozen: every request shares it now, so nobody may change it in place.
  const lookup = Object.freeze({ user: Object.freeze(user), accessKeyId, secretAccessKey: rec.secret });
  ctx.accessKeys.set(accessKeyId, epoch, lookup);
  return lookup;
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
    return Promise.reject(invalidArgument('Give both the root access key id and secret, or neither'));
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

// ---------------------------------------------------------------------------------------------
// user and key management (the admin API). Errors use IAM's codes where S3 has none:
// NoSuchEntity (404), EntityAlreadyExists (409), DeleteConflict (409).

const noSuchUser = (id: string): S3Error => new S3Error('NoSuchEntity', `The user with name ${id} cannot be found.`, { UserName: id });
const noSuchKey = (akid: string): S3Error => new S3Error('NoSuchEntity', `The Access Key with id ${akid} cannot be found.`, { AccessKeyId: akid });

function checkOptionalText(what: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (typeof v !== 'string' || v.length > 256 || /[\u0000-\u001f]/.test(v)) {
    throw invalidArgument(`${what} must be a string of at most 256 printable characters`, what);
  }
  return v;
}

function checkUserId(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_+=,.@-]{1,64}$/.test(v)) {
    throw invalidArgument('A user id is 1-64 characters of A-Z a-z 0-9 _+=,.@-', 'id');
  }
  return v;
}

async function requireUser(ctx: Ctx, id: string): Promise<User> {
  const u = typeof id === 'string' && id ? await ctx.db.getJson<User>(keys.userKey(id)) : undefined;
  if (!u) throw noSuchUser(String(id));
  return u;
}

function stageNewKey(tx: Txn, userId: string, given?: { accessKeyId?: string; secretAccessKey?: string }): CreatedAccessKey {
  const accessKeyId = given?.accessKeyId !== undefined ? checkId('accessKeyId', given.accessKeyId) : generateAccessKeyId();
  const secretAccessKey = given?.secretAccessKey !== undefined ? checkId('secretAccessKey', given.secretAccessKey) : generateSecretAccessKey();
  const createdAt = new Date(tx.now).toISOString();
  tx.put(keys.accessKeyKey(accessKeyId), { userId, secret: secretAccessKey, createdAt } satisfies AccessKeyRecord);
  return { accessKeyId, secretAccessKey, userId, createdAt };
}

export function createUser(ctx: Ctx, input: CreateUserInput, opts: { withAccessKey?: boolean } = {}): Promise<{ user: User; accessKey?: CreatedAccessKey }> {
  return ctx.committer.run(async (tx) => {
    const id = checkUserId(input?.id);
    const displayName = checkOptionalText('displayName', input.displayName);
    const email = checkOptionalText('email', input.email);
    if (await ctx.db.get(keys.userKey(id))) throw new S3Error('EntityAlreadyExists', `User with name ${id} already exists.`, { UserName: id });
    const user: User = { id, displayName: displayName ?? id, createdAt: new Date(tx.now).toISOString() };
    if (email !== undefined) user.email = email;
    tx.put(keys.userKey(id), user);
    const accessKey = opts.withAccessKey ? stageNewKey(tx, id) : undefined;
    return accessKey ? { user, accessKey } : { user };
  });
}

export async function listUsers(ctx: Ctx): Promise<User[]> {
  return (await ctx.db.all(keys.usersRange())).map(([, v]) => JSON.parse(v.toString('utf8')) as User);
}

export function updateUser(ctx: Ctx, id: string, update: UserUpdate): Promise<User> {
  return ctx.committer.run(async (tx) => {
    const user = { ...(await requireUser(ctx, id)) };
    const displayName = checkOptionalText('displayName', update?.displayName);
    if (displayName !== undefined) user.displayName = displayName;
    if (update?.email === null) delete user.email;
    else {
      const email = checkOptionalText('email', update?.email);
      if (email !== undefined) user.email = email;
    }
    tx.put(keys.userKey(id), user);
    return user;
  });
}

export function setUserSuspended(ctx: Ctx, id: string, suspended: boolean): Promise<User> {
  return ctx.committer.run(async (tx) => {
    const user = { ...(await requireUser(ctx, id)) };
    if (id === ROOT_USER_ID && suspended) throw new S3Error('InvalidArgument', 'The root user cannot be suspended', { UserName: id });
    if (suspended) user.suspended = true;
    else delete user.suspended;
    tx.put(keys.userKey(id), user);
    return user;
  });
}

async function keyRecordsOf(ctx: Ctx, userId: string): Promise<(AccessKeyInfo & { secret: string })[]> {
  const out: (AccessKeyInfo & { secret: string })[] = [];
  for (const [k, v] of await ctx.db.all(keys.accessKeysRange())) {
    const rec = JSON.parse(v.toString('utf8')) as AccessKeyRecord;
    if (rec.userId === userId) out.push({ accessKeyId: keys.decodeAccessKeyKey(k), userId, createdAt: rec.createdAt, secret: rec.secret });
  }
  return out;
}

export function deleteUser(ctx: Ctx, id: string): Promise<void> {
  return ctx.committer.run(async (tx) => {
    await requireUser(ctx, id);
    if (id === ROOT_USER_ID) throw new S3Error('InvalidArgument', 'The root user cannot be deleted', { UserName: id });
    const owned = await ctx.db.all({ gte: keys.ownerIndexPrefix(id), lt: keys.prefixSuccessor(keys.ownerIndexPrefix(id))!, limit: 1, values: false });
    if (owned.length > 0) {
      throw new S3Error('DeleteConflict', 'Cannot delete a user that still owns buckets: delete or hand over its buckets first.', { UserName: id });
    }
    for (const k of await keyRecordsOf(ctx, id)) tx.del(keys.accessKeyKey(k.accessKeyId));
    tx.del(keys.userKey(id));
  });
}

export function createAccessKey(ctx: Ctx, userId: string, given?: { accessKeyId?: string; secretAccessKey?: string }): Promise<CreatedAccessKey> {
  return ctx.committer.run(async (tx) => {
    await requireUser(ctx, userId);
    if (given?.accessKeyId !== undefined && (await ctx.db.get(keys.accessKeyKey(given.accessKeyId)))) {
      throw new S3Error('EntityAlreadyExists', 'The access key id is already in use', { AccessKeyId: given.accessKeyId });
    }
    return stageNewKey(tx, userId, given);
  });
}

export async function listAccessKeys(ctx: Ctx, userId: string): Promise<AccessKeyInfo[]> {
  await requireUser(ctx, userId);
  return (await keyRecordsOf(ctx, userId)).map(({ accessKeyId, createdAt }) => ({ accessKeyId, userId, createdAt }));
}

/** Under the commit lock: the key exists, belongs to the user and is not the root key (managed by the server's config). */
async function requireOwnKey(ctx: Ctx, userId: string, accessKeyId: string): Promise<void> {
  await requireUser(ctx, userId);
  const rec = typeof accessKeyId === 'string' && accessKeyId ? await ctx.db.getJson<AccessKeyRecord>(keys.accessKeyKey(accessKeyId)) : undefined;
  if (!rec || rec.userId !== userId) throw noSuchKey(String(accessKeyId));
  const root = await ctx.db.getJson<{ accessKeyId: string }>(keys.settingKey(keys.ROOT_SETTING));
  if (root?.accessKeyId === accessKeyId) {
    throw new S3Error(
      'InvalidArgument',
      'The root access key comes from the server configuration (CAIRN_ACCESS_KEY_ID / the store) and cannot be changed here',
      { AccessKeyId: accessKeyId },
    );
  }
}

export function deleteAccessKey(ctx: Ctx, userId: string, accessKeyId: string): Promise<void> {
  return ctx.committer.run(async (tx) => {
    await requireOwnKey(ctx, userId, accessKeyId);
    tx.del(keys.accessKeyKey(accessKeyId));
  });
}

export function rotateAccessKey(ctx: Ctx, userId: string, accessKeyId: string): Promise<CreatedAccessKey> {
  return ctx.committer.run(async (tx) => {
    await requireOwnKey(ctx, userId, accessKeyId);
    tx.del(keys.accessKeyKey(accessKeyId));
    return stageNewKey(tx, userId);
  });
}
