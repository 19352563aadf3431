/** ACL questions: does this ACL grant this permission to this requester, is it public. */
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, GROUP_URIS, PERMISSIONS, type Acl, type Grant, type Permission } from './types';
import { S3Error, invalidArgument } from '../errors';

/** `userId` null = anonymous. With `ignorePublic`, AllUsers/AuthenticatedUsers grants don't count (IgnorePublicAcls). */
export function aclGrants(acl: Acl, userId: string | null, permission: Permission, ignorePublic = false): boolean {
  return acl.grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    const ge = g.grantee;
    if (ge.type === 'CanonicalUser') return userId !== null && ge.id === userId;
    if (ignorePublic) return false;
    if (ge.uri === ALL_USERS_URI) return true;
    if (ge.uri === AUTHENTICATED_USERS_URI) return userId !== null;
    return false;
  });
}

export const isPublicGrant = (g: Grant): boolean =>
  g.grantee.type === 'Group' && (g.grantee.uri === ALL_USERS_URI || g.grantee.uri === AUTHENTICATED_USERS_URI);

export const isPublicAcl = (acl: Acl): boolean => acl.grants.some(isPublicGrant);

/** Only the owner's FULL_CONTROL: what BucketOwnerEnforced still accepts. */
export const isOwnerOnlyAcl = (acl: Acl, owner: string): boolean =>
  acl.grants.every((g) => g.grantee.type === 'CanonicalUser' && g.grantee.id === owner && g.permission === 'FULL_CONTROL');

/** Structural validation of an ACL about to be stored (grantees already resolved). */
export function validateAcl(acl: Acl): void {
  if (!acl || typeof acl.owner !== 'string' || !acl.owner || !Array.isArray(acl.grants))
    throw new S3Error('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema');
  if (acl.grants.length > 100) throw new S3Error('MalformedACLError', 'An ACL may hold at most 100 grants');
  for (const g of acl.grants) {
    if (!PERMISSIONS.includes(g.permission)) throw new S3Error('MalformedACLError', `Invalid permission ${String(g.permission)}`);
    const ge = g.grantee;
    if (ge.type === 'CanonicalUser') {
      if (typeof ge.id !== 'string' || !ge.id) throw invalidArgument('Invalid id', 'CanonicalUser/ID', String(ge.id));
    } else if (ge.type === 'Group') {
      if (!GROUP_URIS.includes(ge.uri)) throw invalidArgument('Invalid group uri', 'Group/URI', String(ge.uri));
    } else throw new S3Error('MalformedACLError', 'Unknown grantee type');
  }
}

export const cloneAcl = (acl: Acl): Acl => ({ owner: acl.owner, grants: acl.grants.map((g) => ({ grantee: { ...g.grantee }, permission: g.permission })) });
