/** Access control lists as S3 models them (plain data; the HTTP layer speaks the XML). */

export type Permission = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';
export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

export const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS_URI = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY_URI = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
export const GROUP_URIS: readonly string[] = [ALL_USERS_URI, AUTHENTICATED_USERS_URI, LOG_DELIVERY_URI];

/**
 * A stored grantee. Email grantees (AmazonCustomerByEmail) are resolved to the user's canonical id
 * when the ACL is set, as S3 does; a Cairn user id is its canonical id.
 */
export type Grantee = { type: 'CanonicalUser'; id: string } | { type: 'Group'; uri: string };

export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

export interface Acl {
  /** Canonical id (user id) of the owner. */
  owner: string;
  grants: Grant[];
}

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

/** Bucket Object Ownership (absent = ObjectWriter, the behaviour before the setting existed). */
export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

export interface PublicAccessBlockConfig {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** Everything authorization needs about a bucket, read from the cached bucket record. */
export interface BucketAccess {
  owner: string;
  acl: Acl;
  /** The policy text as PutBucketPolicy stored it. */
  policy?: string;
  publicAccessBlock?: PublicAccessBlockConfig;
  objectOwnership?: ObjectOwnership;
}
