/**
 * Access settings of a bucket — ACL, policy, public access block, object ownership — kept as
 * extra fields of the bucket record (B/<name>) so authorizing a request reads them from the
 * bucket cache without I/O. Each change is a read-modify-write of the record under the commit
 * lock, refreshing the cache after the batch (the BucketCache rule) and keeping other features' fields.
 */
import { S3Error, accessDenied, invalidArgument, malformedXml } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { requireBucket, type BucketRecord } from './bucketRecord';
import {
  cloneAcl,
  isOwnerOnlyAcl,
  isPublicAcl,
  privateAcl,
  validateAcl,
  type Acl,
  type BucketAccess,
  type ObjectOwnership,
  type PublicAccessBlockConfig,
} from '../acl';
import { isPublicPolicy, parsePolicy } from '../policy';
import type { User } from '../types';

interface AccessFields {
  acl?: Acl;
  policy?: string;
  publicAccessBlock?: PublicAccessBlockConfig;
  objectOwnership?: ObjectOwnership;
}

type WithAccess = BucketRecord & AccessFields;

const OWNERSHIPS: readonly ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

function update(ctx: Ctx, name: string, fn: (rec: WithAccess) => void): Promise<void> {
  return ctx.committer.run(async (tx) => {
    const next: WithAccess = { ...(await requireBucket(ctx, name)) };
    fn(next);
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

/** At creation: the ACL and ownership the CreateBucket request asked for (validated by the caller). */
export function stageInitialAccess(rec: BucketRecord, opts: { acl?: Acl; objectOwnership?: ObjectOwnership }): void {
  const r = rec as WithAccess;
  if (opts.objectOwnership !== undefined) {
    if (!OWNERSHIPS.includes(opts.objectOwnership)) throw invalidArgument('Invalid x-amz-object-ownership header', 'x-amz-object-ownership');
    r.objectOwnership = opts.objectOwnership;
  }
  if (opts.acl) {
    validateAcl(opts.acl);
    if (r.objectOwnership === 'BucketOwnerEnforced' && !isOwnerOnlyAcl(opts.acl, rec.owner))
      throw new S3Error('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
    r.acl = cloneAcl(opts.acl);
  }
}

export function accessOf(rec: BucketRecord): BucketAccess {
  const r = rec as WithAccess;
  const out: BucketAccess = { owner: r.owner, acl: r.acl ? cloneAcl(r.acl) : privateAcl(r.owner) };
  if (r.policy !== undefined) out.policy = r.policy;
  if (r.publicAccessBlock) out.publicAccessBlock = { ...r.publicAccessBlock };
  if (r.objectOwnership) out.objectOwnership = r.objectOwnership;
  return out;
}

export async function getBucketAccess(ctx: Ctx, name: string): Promise<BucketAccess> {
  return accessOf(await requireBucket(ctx, name));
}

const aclNotSupported = (): S3Error => new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs');
const publicAclBlocked = (): S3Error => accessDenied();

/** Checks an ACL about to be set against the bucket's ownership and public-access settings. */
export function checkAclAllowed(access: BucketAccess, acl: Acl, aclOwner: string): void {
  if (access.objectOwnership === 'BucketOwnerEnforced' && !isOwnerOnlyAcl(acl, aclOwner)) {
    // bucket-owner-full-control is what an enforced bucket's objects effectively have: accepted.
    const bofc = acl.grants.every(
      (g) => g.grantee.type === 'CanonicalUser' && g.permission === 'FULL_CONTROL' && (g.grantee.id === aclOwner || g.grantee.id === access.owner),
    );
    if (!bofc) throw aclNotSupported();
  }
  if (access.publicAccessBlock?.blockPublicAcls && isPublicAcl(acl)) throw publicAclBlocked();
}

export function putBucketAcl(ctx: Ctx, name: string, acl: Acl): Promise<void> {
  try {
    validateAcl(acl);
  } catch (e) {
    return Promise.reject(e);
  }
  return update(ctx, name, (rec) => {
    if (acl.owner !== rec.owner) throw accessDenied('The ACL owner must be the bucket owner');
    checkAclAllowed(accessOf(rec), acl, rec.owner);
    rec.acl = cloneAcl(acl);
  });
}

/** `text` undefined deletes the policy (a no-op when there is none). Validation errors are MalformedPolicy; a public policy under BlockPublicPolicy is AccessDenied. */
export function putBucketPolicy(ctx: Ctx, name: string, text: string | undefined): Promise<void> {
  let pub = false;
  if (text !== undefined) {
    try {
      pub = isPublicPolicy(parsePolicy(text, { bucket: name }));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return update(ctx, name, (rec) => {
    if (text === undefined) {
      delete rec.policy; // deleting a missing policy succeeds, as in S3
      return;
    }
    if (pub && rec.publicAccessBlock?.blockPublicPolicy) throw accessDenied();
    rec.policy = text;
  });
}

export function putPublicAccessBlock(ctx: Ctx, name: string, cfg: PublicAccessBlockConfig | undefined): Promise<void> {
  return update(ctx, name, (rec) => {
    if (cfg === undefined) delete rec.publicAccessBlock;
    else {
      rec.publicAccessBlock = {
        blockPublicAcls: !!cfg.blockPublicAcls,
        ignorePublicAcls: !!cfg.ignorePublicAcls,
        blockPublicPolicy: !!cfg.blockPublicPolicy,
        restrictPublicBuckets: !!cfg.restrictPublicBuckets,
      };
    }
  });
}

export function putBucketOwnershipControls(ctx: Ctx, name: string, ownership: ObjectOwnership | undefined): Promise<void> {
  if (ownership !== undefined && !OWNERSHIPS.includes(ownership)) {
    return Promise.reject(malformedXml());
  }
  return update(ctx, name, (rec) => {
    if (ownership === undefined) {
      delete rec.objectOwnership;
      return;
    }
    if (ownership === 'BucketOwnerEnforced' && rec.acl && !isOwnerOnlyAcl(rec.acl, rec.owner)) {
      throw new S3Error('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
    }
    rec.objectOwnership = ownership;
  });
}

/** The user with this email (case-insensitive), for AmazonCustomerByEmail grantees. Scans U/: users are few. */
export async function findUserByEmail(ctx: Ctx, email: string): Promise<User | undefined> {
  const want = email.trim().toLowerCase();
  if (!want) return undefined;
  const base = keys.userKey('');
  for (const [, v] of await ctx.db.all({ gte: base, lt: keys.prefixSuccessor(base)! })) {
    const u = JSON.parse(v.toString('utf8')) as User;
    if (u.email && u.email.toLowerCase() === want) return u;
  }
  return undefined;
}
