/**
 * THE authorization decision: may this principal perform this operation on this bucket/object?
 *
 * S3's evaluation, for one request (the HTTP layer gathers the facts: authzRequest.ts):
 *   1. x-amz-expected-bucket-owner must match the bucket's owner.
 *   2. The bucket policy (if any) is evaluated: an explicit Deny refuses, whatever else says.
 *      With RestrictPublicBuckets and a public policy, only the bucket owner benefits from Allows.
 *   3. Allowed when the policy allows, or when ownership / ACLs do:
 *      - the bucket owner may do anything with the bucket (bucket-level operations) and write or
 *        delete any key in it;
 *      - object reads and object ACL operations are governed by the OBJECT's ACL (the object
 *        owner always keeps READ_ACP/WRITE_ACP), so a bucket owner does not read objects other
 *        accounts wrote unless they granted it (as S3 with ObjectWriter ownership);
 *      - otherwise the bucket ACL grants what s3Actions.ts maps it to (READ: list; WRITE: put/delete).
 *      With BucketOwnerEnforced, ACLs are ignored and the bucket owner owns every object.
 *      IgnorePublicAcls ignores AllUsers / AuthenticatedUsers grants.
 *   4. A read of a key that does not exist is allowed (→ 404) only to callers who may list the
 *      bucket; others get AccessDenied, so absence is not revealed.
 * Everything else is an implicit deny (AccessDenied). Anonymous requests go through the same
 * path with principal null. The bucket policy itself is the owner's alone (POLICY_OPERATIONS).
 */
import {
  aclGrants,
  evaluatePolicy,
  isPublicPolicy,
  parsePolicy,
  privateAcl,
  type BucketAccess,
  type BucketInfo,
  type ContextValue,
  type ObjectAccess,
  type Permission,
  type Policy,
} from '@cairn/engine';
import type { Principal } from '../context';
import { s3Error, accessDenied } from '../errors';
import { actionSpec, type ActionSpec, type AuthorizedName } from './s3Actions';

export interface AuthorizationRequest {
  principal: Principal | null;
  /** Operation name from the operation table (e.g. 'GetObject'). */
  operation: AuthorizedName;
  /** The bucket the operation acts on (absent for service-level operations and CreateBucket). */
  bucket?: BucketInfo;
  /** The bucket's ACL / policy / public access block / ownership (default: private, no policy). */
  access?: BucketAccess;
  key?: string;
  versionId?: string;
  /**
   * The addressed object, for operations its ACL governs: null when it does not exist,
   * undefined when not looked up (then only the bucket owner passes the ownership check).
   */
  object?: ObjectAccess | null;
  /** x-amz-expected-bucket-owner, when the client sent it. */
  expectedBucketOwner?: string;
  /** Condition keys of the request (authzRequest.ts builds them; names lower-cased). */
  conditionKeys?: Record<string, ContextValue>;
}

/** Operations any signed-in principal may perform without owning an existing bucket. */
const SIGNED_PRINCIPAL_OPERATIONS: ReadonlySet<AuthorizedName> = new Set<AuthorizedName>(['ListBuckets', 'ListDirectoryBuckets', 'CreateBucket']);

const policyCache = new Map<string, Policy | null>();

/** Parsed policy, memoised by bucket + text (policies were validated when stored). */
function parsedPolicy(bucket: string, text: string): Policy | null {
  const cacheKey = bucket + '\u0000' + text;
  let p = policyCache.get(cacheKey);
  if (p === undefined) {
    try {
      p = parsePolicy(text, { bucket });
    } catch {
      p = null; // cannot happen for stored policies; never grants
    }
    if (policyCache.size > 1000) policyCache.clear();
    policyCache.set(cacheKey, p);
  }
  return p;
}

type PolicyVerdict = 'Allow' | 'Deny' | 'NoOpinion';

function policyVerdict(r: AuthorizationRequest, access: BucketAccess, action: string, resource: string): PolicyVerdict {
  if (access.policy === undefined) return 'NoOpinion';
  const policy = parsedPolicy(r.bucket!.name, access.policy);
  if (!policy) return 'NoOpinion';
  const verdict = evaluatePolicy(policy, {
    principal: r.principal ? { userId: r.principal.userId } : null,
    action,
    resource,
    context: r.conditionKeys ?? {},
  });
  if (verdict === 'Allow' && access.publicAccessBlock?.restrictPublicBuckets && isPublicPolicy(policy) && r.principal?.userId !== access.owner) {
    return 'NoOpinion';
  }
  return verdict;
}

const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

/** What ownership and ACLs (not the policy) allow. */
function aclAllows(r: AuthorizationRequest, access: BucketAccess, spec: ActionSpec): boolean {
  const userId = r.principal?.userId ?? null;
  const isBucketOwner = userId !== null && userId === access.owner;
  const enforced = access.objectOwnership === 'BucketOwnerEnforced';
  const ignorePublic = !!access.publicAccessBlock?.ignorePublicAcls;
  const grants = (acl: BucketAccess['acl'], permission: Permission): boolean => !enforced && aclGrants(acl, userId, permission, ignorePublic);

  if (spec.resource === 'bucket' || spec.acl?.on === 'bucket') {
    if (isBucketOwner) return true;
    return !!spec.acl && grants(access.acl, spec.acl.permission);
  }
  // Object-governed operations.
  const obj = r.object;
  if (obj === undefined || obj === null || enforced) return isBucketOwner;
  if (userId !== null && userId === obj.owner) {
    if (!spec.acl || spec.acl.permission === 'READ_ACP' || spec.acl.permission === 'WRITE_ACP') return true;
  }
  return !!spec.acl && grants(obj.acl, spec.acl.permission);
}

/** May the caller list the bucket (decides 404 vs 403 for a missing key)? */
function mayList(r: AuthorizationRequest, access: BucketAccess): boolean {
  const spec = actionSpec('ListObjects');
  const v = policyVerdict(r, access, spec.action, bucketArn(r.bucket!.name));
  if (v === 'Deny') return false;
  return v === 'Allow' || aclAllows(r, access, spec);
}

/** True when the request is allowed (see the header comment). */
export function isAllowed(r: AuthorizationRequest): boolean {
  if (r.bucket && r.expectedBucketOwner !== undefined && r.expectedBucketOwner !== r.bucket.owner) return false;
  if (SIGNED_PRINCIPAL_OPERATIONS.has(r.operation) && !r.bucket) return r.principal !== null;
  if (!r.bucket) return false;
  const spec = actionSpec(r.operation);
  if (spec.resource === 'service') return false;
  const access = r.access ?? { owner: r.bucket.owner, acl: privateAcl(r.bucket.owner) };
  const action = r.versionId !== undefined && spec.versionAction ? spec.versionAction : spec.action;
  const resource = spec.resource === 'object' && r.key !== undefined ? objectArn(r.bucket.name, r.key) : bucketArn(r.bucket.name);
  if (POLICY_OPERATIONS.has(r.operation) && r.principal?.userId === access.owner) return true; // lock-out protection
  const verdict = policyVerdict(r, access, action, resource);
  if (verdict === 'Deny') return false;
  if (r.object === null && spec.acl?.on === 'object') return mayList(r, access);
  return verdict === 'Allow' || aclAllows(r, access, spec);
}

/**
 * The bucket owner can always read, replace or delete the bucket policy, even when the policy
 * denies it (S3's protection against locking yourself out); other accounts never can: with a
 * policy that allows them it is 405 MethodNotAllowed, as S3 answers.
 */
const POLICY_OPERATIONS: ReadonlySet<AuthorizedName> = new Set<AuthorizedName>(['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy']);

/** Throws AccessDenied unless the request is allowed. */
export function authorize(r: AuthorizationRequest): void {
  if (!isAllowed(r)) throw accessDenied();
  if (POLICY_OPERATIONS.has(r.operation) && r.bucket && r.principal?.userId !== (r.access?.owner ?? r.bucket.owner)) {
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
      Method: r.operation.startsWith('Get') ? 'GET' : r.operation.startsWith('Put') ? 'PUT' : 'DELETE',
      ResourceType: 'BUCKETPOLICY',
    });
  }
}

/** Does deciding this operation need the object's owner/ACL/tags (an extra metadata read)? */
export function needsObjectAccess(operation: AuthorizedName, target: 'service' | 'bucket' | 'object'): boolean {
  if (target !== 'object') return false;
  const spec = actionSpec(operation);
  return spec.resource === 'object' && spec.acl?.on !== 'bucket';
}
