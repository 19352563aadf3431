/**
 * The ACL of a PutBucketAcl / PutObjectAcl request: from headers (canned or grants) or from an
 * AccessControlPolicy body, never both.
 */
import type { Acl } from '@cairn/engine';
import { checkAclAllowed } from '@cairn/engine';
import type { S3Context } from '../context';
import { s3Error, accessDenied } from '../errors';
import { parseAccessControlPolicy } from '../xml/accessControlPolicy';
import { aclFromHeaders, hasAclHeaders, resolveGrants, type AclContext } from './aclRequest';
import { readSmallBody } from './body';
import { openRequestBody } from './requestBody';

const MAX_ACL_BODY_BYTES = 64 * 1024;

export async function requestedAcl(c: S3Context, ac: AclContext): Promise<Acl> {
  const body = await readSmallBody(openRequestBody(c), MAX_ACL_BODY_BYTES, 'MalformedACLError');
  const hasBody = body.toString('utf8').trim() !== '';
  if (hasAclHeaders(c.headers)) {
    if (hasBody) throw s3Error('UnexpectedContent', 'This request does not support content');
    return (await aclFromHeaders(c.headers, ac))!;
  }
  if (!hasBody) throw s3Error('MissingSecurityHeader', 'Your request was missing a required header', { MissingHeaderName: 'x-amz-acl' });
  const doc = await parseAccessControlPolicy(body);
  // The Owner element, when given, must name the current owner.
  if (doc.ownerId !== undefined && doc.ownerId !== ac.owner) throw accessDenied();
  const acl: Acl = { owner: ac.owner, grants: await resolveGrants(c.engine, doc.grants) };
  if (ac.access) checkAclAllowed(ac.access, acl, ac.owner);
  return acl;
}
