/** Renders an ACL with the DisplayName of each canonical user (looked up once per id, never missing). */
import type { Acl, EngineApi } from '@cairn/engine';
import { xmlResponse, type S3Response } from '../context';
import { ownerNames } from '../handlers/multipart/multipartParams';
import { renderAccessControlPolicy } from '../xml/accessControlPolicy';

export async function aclResponse(engine: EngineApi, acl: Acl, headers: Record<string, string | undefined> = {}): Promise<S3Response> {
  const names = await ownerNames(engine, [acl.owner, ...acl.grants.flatMap((g) => (g.grantee.type === 'CanonicalUser' ? [g.grantee.id] : []))]);
  return xmlResponse(
    renderAccessControlPolicy(acl, (id) => names.get(id)?.displayName),
    200,
    headers,
  );
}
