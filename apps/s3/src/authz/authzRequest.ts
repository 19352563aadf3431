/**
 * From an HTTP request to the facts authorize() decides on: the bucket's access settings, the
 * addressed object's owner/ACL/tags when its ACL governs the operation, and the policy
 * condition keys (aws:SourceIp from the socket, aws:SecureTransport false over plain http,
 * s3:prefix / s3:x-amz-acl / ... from the query and headers).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { BucketInfo, ContextValue, EngineApi } from '@cairn/engine';
import { ROOT_USER_ID } from '@cairn/engine';
import type { AuthResult } from '../auth/types';
import { authorize, isAllowed, needsObjectAccess, type AuthorizationRequest } from './authorize';
import type { Principal } from '../context';
import type { AuthorizedName } from './s3Actions';

export interface RequestFacts {
  req: IncomingMessage;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  auth: Pick<AuthResult, 'signatureVersion' | 'authType'>;
  principal: Principal | null;
}

const h = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** x-amz-tagging ("k1=v1&k2=v2", URL-encoded) → tags, or undefined when malformed/absent. */
function requestTags(headers: IncomingHttpHeaders): [string, string][] | undefined {
  const t = h(headers, 'x-amz-tagging');
  if (t === undefined) return undefined;
  try {
    return [...new URLSearchParams(t)];
  } catch {
    return undefined;
  }
}

const SOURCE_IP_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The policy condition keys of a request (names lower-cased; tag keys as sent). */
export function conditionKeys(f: RequestFacts, now = new Date()): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {};
  const ip = f.req.socket?.remoteAddress;
  if (ip) keys['aws:sourceip'] = ip.replace(SOURCE_IP_MAPPED, '$1');
  keys['aws:securetransport'] = (f.req.socket as TLSSocket | undefined)?.encrypted ? 'true' : 'false';
  keys['aws:currenttime'] = now.toISOString();
  keys['aws:epochtime'] = String(Math.floor(now.getTime() / 1000));
  const ua = h(f.headers, 'user-agent');
  if (ua !== undefined) keys['aws:useragent'] = ua;
  const referer = h(f.headers, 'referer');
  if (referer !== undefined) keys['aws:referer'] = referer;
  if (f.principal) {
    // Cairn users are accounts: one id serves as user name, user id and account (see policy/types.ts).
    keys['aws:username'] = f.principal.userId;
    keys['aws:userid'] = f.principal.userId;
    keys['aws:principalaccount'] = f.principal.userId;
    keys['aws:principalarn'] = `arn:aws:iam::${f.principal.userId}:${f.principal.userId === ROOT_USER_ID ? 'root' : `user/${f.principal.userId}`}`;
    keys['aws:principaltype'] = f.principal.userId === ROOT_USER_ID ? 'Account' : 'User';
  } else keys['aws:principaltype'] = 'Anonymous';
  if (f.auth.signatureVersion) keys['s3:signatureversion'] = f.auth.signatureVersion === 'AWS' ? 'AWS' : 'AWS4-HMAC-SHA256';
  if (f.auth.authType) keys['s3:authtype'] = f.auth.authType;
  for (const q of ['prefix', 'delimiter', 'max-keys']) {
    const v = f.query.get(q);
    if (v !== null) keys[`s3:${q}`] = v;
  }
  const versionId = f.query.get('versionId');
  if (versionId !== null) keys['s3:versionid'] = versionId;
  for (const name of Object.keys(f.headers)) {
    if (
      name === 'x-amz-acl' ||
      name.startsWith('x-amz-grant-') ||
      name.startsWith('x-amz-server-side-encryption') ||
      name === 'x-amz-content-sha256' ||
      name === 'x-amz-storage-class' ||
      name === 'x-amz-metadata-directive' ||
      name === 'x-amz-copy-source' ||
      name === 'x-amz-object-lock-mode' ||
      name === 'x-amz-object-lock-retain-until-date' ||
      name === 'x-amz-object-lock-legal-hold' ||
      name === 'x-amz-request-payer' ||
      name === 'x-amz-website-redirect-location'
    ) {
      keys[`s3:${name}`] = h(f.headers, name);
    }
  }
  const tags = requestTags(f.headers);
  if (tags) {
    for (const [k, v] of tags) keys[`s3:requestobjecttag/${k}`] = v;
    keys['s3:requestobjecttagkeys'] = tags.map(([k]) => k);
  }
  return keys;
}

export interface AuthorizeTarget {
  operation: AuthorizedName;
  bucket: BucketInfo;
  key?: string;
  versionId?: string;
  expectedBucketOwner?: string;
}

/** Gathers the facts for one bucket/object (engine reads: cached bucket settings, one object record when needed) and decides. */
export async function authorizeRequest(
  engine: EngineApi,
  f: RequestFacts,
  t: AuthorizeTarget,
  extraKeys?: Record<string, ContextValue>,
): Promise<AuthorizationRequest> {
  const access = await engine.getBucketAccess(t.bucket.name);
  const target = t.key !== undefined ? 'object' : 'bucket';
  const r: AuthorizationRequest = {
    principal: f.principal,
    operation: t.operation,
    bucket: t.bucket,
    access,
    key: t.key,
    versionId: t.versionId,
    expectedBucketOwner: t.expectedBucketOwner,
    // Condition keys feed only the bucket policy: none to evaluate, none to build (~3% of a small GET).
    conditionKeys: access.policy === undefined ? undefined : { ...conditionKeys(f), ...(extraKeys ?? {}) },
  };
  if (t.key !== undefined && needsObjectAccess(t.operation, target)) {
    let obj;
    try {
      obj = (await engine.getObjectAccess(t.bucket.name, t.key, { versionId: t.versionId })) ?? null;
    } catch {
      obj = null; // an invalid version id or key: the handler reports it to callers who may see it
    }
    r.object = obj;
    if (obj && r.conditionKeys) for (const [k, v] of Object.entries(obj.tags)) r.conditionKeys[`s3:existingobjecttag/${k}`] = v;
  }
  authorize(r);
  return r;
}

/**
 * For operations over many keys (DeleteObjects): a per-key check of `operation` that reads the
 * bucket's settings and builds the condition keys once. Operations whose decision needs the
 * object's ACL are not supported here.
 */
export async function keyAuthorizer(
  engine: EngineApi,
  f: RequestFacts,
  bucket: BucketInfo,
  operation: AuthorizedName,
): Promise<(key: string, versionId?: string) => boolean> {
  const access = await engine.getBucketAccess(bucket.name);
  const keys = conditionKeys(f);
  return (key, versionId) =>
    isAllowed({
      principal: f.principal,
      operation,
      bucket,
      access,
      key,
      versionId,
      conditionKeys: versionId === undefined ? keys : { ...keys, 's3:versionid': versionId },
    });
}
