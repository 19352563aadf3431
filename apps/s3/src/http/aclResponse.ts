/** Renders an ACL with the DisplayName of each canonical user (looked up once per id). */
import type { Acl, EngineApi } from '@cairn/engine';
import { xmlResponse, type S3Response } from '../context';
import { renderAccessControlPolicy } from '../xml/accessControlPolicy';

export async function aclResponse(engine: EngineApi, acl: Acl, headers: Record<string, string | undefined> = {}): Promise<S3Response> {
  const ids = new Set([acl.owner, ...acl.grants.flatMap((g) => (g.grantee.type === 'CanonicalUser' ? [g.grantee.id] : []))]);
  const names = new Map<string, string | undefined>();
  for (const id of ids) names.set(id, (await engine.getUser(id))?.displayName);
  return xmlResponse(renderAccessControlPolicy(acl, (id) => names.get(id)), 200, headers);
}
