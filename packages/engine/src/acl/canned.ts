/** Canned ACLs → grants (S3's "Canned ACL" table). */
import { invalidArgument } from '../errors';
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, CANNED_ACLS, LOG_DELIVERY_URI, type Acl, type CannedAcl, type Grant } from './types';

const user = (id: string, permission: Grant['permission']): Grant => ({ grantee: { type: 'CanonicalUser', id }, permission });
const group = (uri: string, permission: Grant['permission']): Grant => ({ grantee: { type: 'Group', uri }, permission });

export const isCannedAcl = (s: string): s is CannedAcl => (CANNED_ACLS as readonly string[]).includes(s);

/**
 * The ACL a canned name stands for. `bucketOwner` is used by bucket-owner-read/-full-control on
 * objects (on buckets those two mean private, as in S3). aws-exec-read's EC2 grantee has no
 * Cairn counterpart, so it is owner-only.
 */
export function cannedAcl(name: string, owner: string, bucketOwner?: string): Acl {
  if (!isCannedAcl(name)) throw invalidArgument(`Invalid canned ACL: ${name}`, 'x-amz-acl', name);
  const grants: Grant[] = [user(owner, 'FULL_CONTROL')];
  switch (name) {
    case 'public-read':
      grants.push(group(ALL_USERS_URI, 'READ'));
      break;
    case 'public-read-write':
      grants.push(group(ALL_USERS_URI, 'READ'), group(ALL_USERS_URI, 'WRITE'));
      break;
    case 'authenticated-read':
      grants.push(group(AUTHENTICATED_USERS_URI, 'READ'));
      break;
    case 'bucket-owner-read':
      if (bucketOwner && bucketOwner !== owner) grants.push(user(bucketOwner, 'READ'));
      break;
    case 'bucket-owner-full-control':
      if (bucketOwner && bucketOwner !== owner) grants.push(user(bucketOwner, 'FULL_CONTROL'));
      break;
    case 'log-delivery-write':
      grants.push(group(LOG_DELIVERY_URI, 'WRITE'), group(LOG_DELIVERY_URI, 'READ_ACP'));
      break;
    default:
      break;
  }
  return { owner, grants };
}

export const privateAcl = (owner: string): Acl => cannedAcl('private', owner);
