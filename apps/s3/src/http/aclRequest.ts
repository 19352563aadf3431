/**
 * ACLs in requests: the canned `x-amz-acl` header, explicit `x-amz-grant-*` headers
 * (`id="..."`, `emailAddress="..."`, `uri="..."`, comma-separated), or an AccessControlPolicy
 * body — turned into a stored Acl: emails resolved to user ids (UnresolvableGrantByEmailAddress),
 * ids checked to exist and group URIs known (InvalidArgument), then checked against the bucket's
 * BlockPublicAcls (AccessDenied) and BucketOwnerEnforced (AccessControlListNotSupported).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { cannedAcl, checkAclAllowed, GROUP_URIS, isCannedAcl, type Acl, type BucketAccess, type EngineApi, type Grant, type Permission } from '@cairn/engine';
import { s3Error, invalidArgument, invalidRequest } from '../errors';
import type { RequestedGrant, RequestedGrantee } from '../xml/accessControlPolicy';

/** Owner recorded for objects anonymous callers write (into public-read-write buckets), as S3's anonymous canonical id. */
export const ANONYMOUS_OWNER = '65a011a29cdf8ec533ec3d1ccaae921c';

const GRANT_HEADERS: [string, Permission][] = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

const h = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const badGrantHeader = (name: string, value: string): Error => invalidArgument('Invalid grant header', name, value);

/** `id="a", emailAddress="b@c", uri="http://..."` → grantees. */
export function parseGrantHeader(name: string, value: string): RequestedGrantee[] {
  const out: RequestedGrantee[] = [];
  const re = /\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))\s*(,|$)/y;
  let pos = 0;
  while (pos < value.length) {
    re.lastIndex = pos;
    const m = re.exec(value);
    if (!m || m[0] === '') throw badGrantHeader(name, value);
    const type = m[1].toLowerCase();
    const v = m[2] ?? m[3] ?? '';
    if (type === 'id') out.push({ type: 'CanonicalUser', id: v });
    else if (type === 'emailaddress') out.push({ type: 'AmazonCustomerByEmail', email: v });
    else if (type === 'uri') out.push({ type: 'Group', uri: v });
    else throw badGrantHeader(name, value);
    pos = re.lastIndex;
  }
  if (out.length === 0) throw badGrantHeader(name, value);
  return out;
}

export function hasAclHeaders(headers: IncomingHttpHeaders): boolean {
  return headers['x-amz-acl'] !== undefined || GRANT_HEADERS.some(([n]) => headers[n] !== undefined);
}

/** Resolves requested grants into stored ones (emails → ids; ids and group URIs validated). */
export async function resolveGrants(engine: EngineApi, requested: RequestedGrant[]): Promise<Grant[]> {
  const out: Grant[] = [];
  for (const g of requested) {
    const ge = g.grantee;
    if (ge.type === 'AmazonCustomerByEmail') {
      const user = ge.email ? await engine.findUserByEmail(ge.email) : undefined;
      if (!user) throw s3Error('UnresolvableGrantByEmailAddress', undefined, { EmailAddress: ge.email });
      out.push({ grantee: { type: 'CanonicalUser', id: user.id }, permission: g.permission });
    } else if (ge.type === 'CanonicalUser') {
      if (!ge.id || !(await engine.getUser(ge.id))) throw invalidArgument('Invalid id', 'CanonicalUser/ID', ge.id);
      out.push({ grantee: { type: 'CanonicalUser', id: ge.id }, permission: g.permission });
    } else {
      if (!GROUP_URIS.includes(ge.uri)) throw invalidArgument('Invalid group uri', 'Group/URI', ge.uri);
      out.push({ grantee: { type: 'Group', uri: ge.uri }, permission: g.permission });
    }
  }
  return out;
}

export interface AclContext {
  engine: EngineApi;
  /** Owner of the resource the ACL is for (bucket owner, or the object's owner/writer). */
  owner: string;
  /** For object ACLs: the bucket's owner (bucket-owner-read / -full-control). */
  bucketOwner?: string;
  /** The bucket's access settings (BlockPublicAcls / BucketOwnerEnforced), when it exists. */
  access?: BucketAccess;
}

/**
 * The ACL the request's headers ask for, or undefined when it sends none. Canned and explicit
 * grants together are InvalidRequest, as in S3.
 */
export async function aclFromHeaders(headers: IncomingHttpHeaders, ac: AclContext): Promise<Acl | undefined> {
  const canned = h(headers, 'x-amz-acl');
  const explicit = GRANT_HEADERS.filter(([n]) => headers[n] !== undefined);
  if (canned === undefined && explicit.length === 0) return undefined;
  if (canned !== undefined && explicit.length > 0) throw invalidRequest('Specifying both Canned ACLs and Header Grants is not allowed');
  let acl: Acl;
  if (canned !== undefined) {
    const name = canned.trim();
    if (!isCannedAcl(name)) throw s3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: canned });
    acl = cannedAcl(name, ac.owner, ac.bucketOwner);
  } else {
    const requested: RequestedGrant[] = [];
    for (const [name, permission] of explicit) {
      for (const grantee of parseGrantHeader(name, h(headers, name)!)) requested.push({ grantee, permission });
    }
    acl = { owner: ac.owner, grants: await resolveGrants(ac.engine, requested) };
  }
  if (ac.access) checkAclAllowed(ac.access, acl, ac.owner);
  return acl;
}

/**
 * Owner and ACL of an object being written (PutObject, CopyObject, CreateMultipartUpload, POST):
 * the writer owns it, except with BucketOwnerEnforced (always the bucket owner) and
 * BucketOwnerPreferred when the writer sends bucket-owner-full-control.
 */
export async function objectWriteAcl(engine: EngineApi, headers: IncomingHttpHeaders, bucket: string, writer: string): Promise<{ owner: string; acl?: Acl }> {
  const access = await engine.getBucketAccess(bucket);
  const canned = h(headers, 'x-amz-acl')?.trim();
  let owner = writer;
  if (access.objectOwnership === 'BucketOwnerEnforced') owner = access.owner;
  else if (access.objectOwnership === 'BucketOwnerPreferred' && canned === 'bucket-owner-full-control') owner = access.owner;
  const acl = await aclFromHeaders(headers, { engine, owner, bucketOwner: access.owner, access });
  // Under BucketOwnerEnforced the accepted ACLs all mean "the bucket owner has full control": store none.
  return access.objectOwnership === 'BucketOwnerEnforced' ? { owner } : { owner, acl };
}
