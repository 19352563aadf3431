/**
 * Operation (operations.ts name) → the IAM action a bucket policy names, and the ACL permission
 * that grants it, per S3's "Mapping of ACL permissions and access policy permissions":
 *   bucket READ  = ListBucket, ListBucketVersions, ListBucketMultipartUploads
 *   bucket WRITE = PutObject (and multipart parts), DeleteObject(Version)
 *   object READ  = GetObject(Version), GetObjectTorrent      READ_ACP/WRITE_ACP = Get/Put(Object)Acl
 * Operations without an ACL permission are the owner's alone unless a policy grants them.
 * THE one mapping: authorization and the access log read it from here. Every operation has a
 * row (the route table in operations.ts is checked against the same names), and its keys define
 * the `OperationName` union: a typo'd operation name anywhere is a compile error.
 *
 * `auth` is how the dispatcher treats the request's credentials:
 *   signed: authenticate, then authorize() from them (every operation but these);
 *   self:   authenticate, but the handler authorizes (POST Object: the credentials travel in the
 *           form's policy + signature; it then calls authorize() as PutObject on bucket/key);
 *   none:   neither (CORS preflights: browsers never send credentials on them, and their query
 *           may hold a presigned URL's signature for another method; S3 answers from the CORS rules).
 */
import type { Permission } from '@cairn/engine';

export interface ActionSpec {
  /** Policy action ("s3:GetObject"). */
  action: string;
  /** The action when the request names a versionId (s3:GetObjectVersion, ...). */
  versionAction?: string;
  /** Resource the action is about: the bucket ARN or the object ARN. */
  resource: 'service' | 'bucket' | 'object';
  /** ACL permission granting it, and on what (the bucket's or the object's ACL). */
  acl?: { on: 'bucket' | 'object'; permission: Permission };
  /** How the dispatcher treats the request's credentials (above); absent: signed. */
  auth?: AuthMode;
}

export type AuthMode = 'signed' | 'self' | 'none';

const svc = (action: string): ActionSpec => ({ action: `s3:${action}`, resource: 'service' });
const bkt = (action: string, permission?: Permission): ActionSpec => ({
  action: `s3:${action}`,
  resource: 'bucket',
  acl: permission && { on: 'bucket', permission },
});
const obj = (action: string, acl?: ActionSpec['acl'], versionAction?: string): ActionSpec => ({
  action: `s3:${action}`,
  resource: 'object',
  acl,
  versionAction: versionAction && `s3:${versionAction}`,
});
const onBucket = (permission: Permission): ActionSpec['acl'] => ({ on: 'bucket', permission });
const onObject = (permission: Permission): ActionSpec['acl'] => ({ on: 'object', permission });

const TABLE = {
  ListBuckets: svc('ListAllMyBuckets'),
  ListDirectoryBuckets: svc('ListAllMyBuckets'),
  CreateBucket: bkt('CreateBucket'),
  DeleteBucket: bkt('DeleteBucket'),
  HeadBucket: bkt('ListBucket', 'READ'),
  ListObjects: bkt('ListBucket', 'READ'),
  ListObjectsV2: bkt('ListBucket', 'READ'),
  ListObjectVersions: bkt('ListBucketVersions', 'READ'),
  ListMultipartUploads: bkt('ListBucketMultipartUploads', 'READ'),
  GetBucketAcl: bkt('GetBucketAcl', 'READ_ACP'),
  PutBucketAcl: bkt('PutBucketAcl', 'WRITE_ACP'),
  GetBucketCors: bkt('GetBucketCORS'),
  PutBucketCors: bkt('PutBucketCORS'),
  DeleteBucketCors: bkt('PutBucketCORS'),
  GetBucketEncryption: bkt('GetEncryptionConfiguration'),
  PutBucketEncryption: bkt('PutEncryptionConfiguration'),
  DeleteBucketEncryption: bkt('PutEncryptionConfiguration'),
  GetBucketLifecycleConfiguration: bkt('GetLifecycleConfiguration'),
  PutBucketLifecycleConfiguration: bkt('PutLifecycleConfiguration'),
  DeleteBucketLifecycle: bkt('PutLifecycleConfiguration'),
  GetBucketNotificationConfiguration: bkt('GetBucketNotification'),
  PutBucketNotificationConfiguration: bkt('PutBucketNotification'),
  GetBucketReplication: bkt('GetReplicationConfiguration'),
  PutBucketReplication: bkt('PutReplicationConfiguration'),
  DeleteBucketReplication: bkt('PutReplicationConfiguration'),
  ReplicateObject: obj('ReplicateObject'),
  ReplicateDelete: obj('ReplicateDelete'),
  GetBucketTagging: bkt('GetBucketTagging'),
  PutBucketTagging: bkt('PutBucketTagging'),
  DeleteBucketTagging: bkt('PutBucketTagging'),
  GetObjectLockConfiguration: bkt('GetBucketObjectLockConfiguration'),
  PutObjectLockConfiguration: bkt('PutBucketObjectLockConfiguration'),
  GetPublicAccessBlock: bkt('GetBucketPublicAccessBlock'),
  PutPublicAccessBlock: bkt('PutBucketPublicAccessBlock'),
  DeletePublicAccessBlock: bkt('PutBucketPublicAccessBlock'),
  DeleteBucketOwnershipControls: bkt('PutBucketOwnershipControls'),
  GetBucketAccelerateConfiguration: bkt('GetAccelerateConfiguration'),
  PutBucketAccelerateConfiguration: bkt('PutAccelerateConfiguration'),
  GetBucketAnalyticsConfiguration: bkt('GetAnalyticsConfiguration'),
  PutBucketAnalyticsConfiguration: bkt('PutAnalyticsConfiguration'),
  DeleteBucketAnalyticsConfiguration: bkt('PutAnalyticsConfiguration'),
  ListBucketAnalyticsConfigurations: bkt('GetAnalyticsConfiguration'),
  GetBucketInventoryConfiguration: bkt('GetInventoryConfiguration'),
  PutBucketInventoryConfiguration: bkt('PutInventoryConfiguration'),
  DeleteBucketInventoryConfiguration: bkt('PutInventoryConfiguration'),
  ListBucketInventoryConfigurations: bkt('GetInventoryConfiguration'),
  GetBucketMetricsConfiguration: bkt('GetMetricsConfiguration'),
  PutBucketMetricsConfiguration: bkt('PutMetricsConfiguration'),
  DeleteBucketMetricsConfiguration: bkt('PutMetricsConfiguration'),
  ListBucketMetricsConfigurations: bkt('GetMetricsConfiguration'),
  GetBucketIntelligentTieringConfiguration: bkt('GetIntelligentTieringConfiguration'),
  PutBucketIntelligentTieringConfiguration: bkt('PutIntelligentTieringConfiguration'),
  DeleteBucketIntelligentTieringConfiguration: bkt('PutIntelligentTieringConfiguration'),
  ListBucketIntelligentTieringConfigurations: bkt('GetIntelligentTieringConfiguration'),
  // Each key of a multi-object delete is s3:DeleteObject; the bucket WRITE ACL grants it.
  DeleteObjects: bkt('DeleteObject', 'WRITE'),
  PostObject: { ...bkt('PutObject', 'WRITE'), auth: 'self' },

  GetObject: obj('GetObject', onObject('READ'), 'GetObjectVersion'),
  HeadObject: obj('GetObject', onObject('READ'), 'GetObjectVersion'),
  GetObjectTorrent: obj('GetObjectTorrent', onObject('READ'), 'GetObjectVersionTorrent'),
  GetObjectAttributes: obj('GetObjectAttributes', onObject('READ'), 'GetObjectVersionAttributes'),
  SelectObjectContent: obj('GetObject', onObject('READ')),
  GetObjectAcl: obj('GetObjectAcl', onObject('READ_ACP'), 'GetObjectVersionAcl'),
  PutObjectAcl: obj('PutObjectAcl', onObject('WRITE_ACP'), 'PutObjectVersionAcl'),
  GetObjectTagging: obj('GetObjectTagging', undefined, 'GetObjectVersionTagging'),
  PutObjectTagging: obj('PutObjectTagging', undefined, 'PutObjectVersionTagging'),
  DeleteObjectTagging: obj('DeleteObjectTagging', undefined, 'DeleteObjectVersionTagging'),
  PutObject: obj('PutObject', onBucket('WRITE')),
  CopyObject: obj('PutObject', onBucket('WRITE')),
  CreateMultipartUpload: obj('PutObject', onBucket('WRITE')),
  UploadPart: obj('PutObject', onBucket('WRITE')),
  UploadPartCopy: obj('PutObject', onBucket('WRITE')),
  CompleteMultipartUpload: obj('PutObject', onBucket('WRITE')),
  AbortMultipartUpload: obj('AbortMultipartUpload', onBucket('WRITE')),
  ListParts: obj('ListMultipartUploadParts', onBucket('WRITE')),
  DeleteObject: obj('DeleteObject', onBucket('WRITE'), 'DeleteObjectVersion'),
  RenameObject: obj('PutObject', onBucket('WRITE')),
  OptionsBucket: { ...bkt('GetBucketCORS'), auth: 'none' },
  OptionsObject: { ...obj('GetObject'), auth: 'none' },
  // Operations whose action is their own name (no ACL permission: owner or policy only).
  GetBucketLocation: bkt('GetBucketLocation'),
  GetBucketLogging: bkt('GetBucketLogging'),
  GetBucketOwnershipControls: bkt('GetBucketOwnershipControls'),
  GetBucketPolicy: bkt('GetBucketPolicy'),
  GetBucketPolicyStatus: bkt('GetBucketPolicyStatus'),
  GetBucketRequestPayment: bkt('GetBucketRequestPayment'),
  GetBucketVersioning: bkt('GetBucketVersioning'),
  GetBucketWebsite: bkt('GetBucketWebsite'),
  GetBucketMetadataTableConfiguration: bkt('GetBucketMetadataTableConfiguration'),
  CreateSession: bkt('CreateSession'),
  PutBucketLogging: bkt('PutBucketLogging'),
  PutBucketOwnershipControls: bkt('PutBucketOwnershipControls'),
  PutBucketPolicy: bkt('PutBucketPolicy'),
  PutBucketRequestPayment: bkt('PutBucketRequestPayment'),
  PutBucketVersioning: bkt('PutBucketVersioning'),
  PutBucketWebsite: bkt('PutBucketWebsite'),
  DeleteBucketPolicy: bkt('DeleteBucketPolicy'),
  DeleteBucketWebsite: bkt('DeleteBucketWebsite'),
  GetObjectLegalHold: obj('GetObjectLegalHold'),
  GetObjectRetention: obj('GetObjectRetention'),
  PutObjectLegalHold: obj('PutObjectLegalHold'),
  PutObjectRetention: obj('PutObjectRetention'),
  RestoreObject: obj('RestoreObject'),
} satisfies Record<string, ActionSpec>;

export type OperationName = keyof typeof TABLE;

/** Permission checks that are not operations of their own (a header of an operation asks for them). */
const CHECKS = {
  BypassGovernanceRetention: obj('BypassGovernanceRetention'),
} satisfies Record<string, ActionSpec>;

/** What authorize() decides on: an operation, or one of the checks above. */
export type AuthorizedName = OperationName | keyof typeof CHECKS;

const SPECS: Readonly<Record<AuthorizedName, ActionSpec>> = { ...TABLE, ...CHECKS };

/** The spec of an operation or check (both keyed by the closed unions above: no default). */
export const actionSpec = (name: AuthorizedName): ActionSpec => SPECS[name];
