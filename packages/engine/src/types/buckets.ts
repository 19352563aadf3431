/**
 * Buckets and the settings kept in the bucket record: CORS, website, request payment, versioning
 * status (buckets/). Plain data: no HTTP, no XML.
 */
import type { Acl, ObjectOwnership } from '../acl';
import type { ObjectLockConfiguration } from './lock';

/** One CORS rule as S3 stores it (validated by the HTTP layer's CORSConfiguration codec). */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/**
 * A bucket's static-website configuration (PutBucketWebsite), as given: either
 * `redirectAllRequestsTo` alone, or an index document with an optional error document and
 * routing rules. Status codes are kept as the strings S3 returns ("302", "404").
 */
export interface WebsiteConfiguration {
  /** IndexDocument/Suffix: appended to requests for `…/` and the root. */
  indexDocument?: string;
  /** ErrorDocument/Key: served (with the error's status) for 4XX errors. */
  errorDocument?: string;
  redirectAllRequestsTo?: { hostName: string; protocol?: string };
  routingRules?: WebsiteRoutingRule[];
}

export interface WebsiteRoutingRule {
  /** Absent: the rule applies to every request. */
  condition?: { keyPrefixEquals?: string; httpErrorCodeReturnedEquals?: string };
  redirect?: WebsiteRedirect;
  /**
   * Cairn extension (`x-cairn-ServeKey`), instead of `redirect`: serve this key with 200 when the
   * rule's error-code condition matches (a single-page app's client-side router fallback).
   */
  serveKey?: string;
}

export interface WebsiteRedirect {
  hostName?: string;
  protocol?: string;
  httpRedirectCode?: string;
  replaceKeyPrefixWith?: string;
  replaceKeyWith?: string;
}

/** Who pays for requests and transfer: Requester Pays buckets charge the (signed) requester. */
export type RequestPayer = 'BucketOwner' | 'Requester';

export interface CreateBucketOptions {
  owner: string;
  region?: string;
  /** x-amz-bucket-object-lock-enabled: Object Lock on, versioning Enabled for good (objectLock.ts). */
  objectLockEnabled?: boolean;
  acl?: Acl;
  objectOwnership?: ObjectOwnership;
}

export interface BucketInfo {
  name: string;
  /** Internal id used in metadata keys; never reused, so a re-created bucket starts empty. */
  id: string;
  owner: string; // user id
  createdAt: Date;
  /** LocationConstraint given at creation (the server's region when none was given). */
  region: string;
  /** Absent while versioning was never configured. */
  versioning?: VersioningStatus;
  /** Present once Object Lock is enabled (it cannot be disabled). */
  objectLock?: ObjectLockConfiguration;
}

/** Bucket versioning state; absent = never enabled ("Unversioned"). Never goes back to absent. */
export type VersioningStatus = 'Enabled' | 'Suspended';

export interface ListBucketsOptions {
  prefix?: string;
  maxBuckets?: number;
  /** Exclusive start: a bucket name returned as continuationToken by a previous page. */
  continuationToken?: string;
}

export interface ListBucketsResult {
  buckets: BucketInfo[];
  continuationToken?: string;
}
