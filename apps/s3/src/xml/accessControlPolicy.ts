/**
 * `<AccessControlPolicy>`: GetBucketAcl / GetObjectAcl responses and PutBucketAcl / PutObjectAcl
 * request bodies. Grantees carry xsi:type CanonicalUser (ID), AmazonCustomerByEmail
 * (EmailAddress) or Group (URI). A body that does not parse or lacks required parts is
 * MalformedACLError, as in S3; unknown grantee values are judged later (aclRequest.ts).
 */
import type { Acl, Permission } from '@cairn/engine';
import { PERMISSIONS } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, children, childText, parseXml, type XmlObject } from './codec';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** A grantee as written in a request (emails not yet resolved). */
export type RequestedGrantee = { type: 'CanonicalUser'; id: string } | { type: 'AmazonCustomerByEmail'; email: string } | { type: 'Group'; uri: string };

export interface RequestedGrant {
  grantee: RequestedGrantee;
  permission: Permission;
}

export interface AccessControlPolicyDoc {
  ownerId?: string;
  grants: RequestedGrant[];
}

export function renderAccessControlPolicy(acl: Acl, displayName: (id: string) => string | undefined): string {
  const owner: XmlObject = { ID: acl.owner, DisplayName: displayName(acl.owner) };
  const grants = acl.grants.map((g): XmlObject => {
    const ge = g.grantee;
    const grantee: XmlObject =
      ge.type === 'CanonicalUser'
        ? { $: { 'xmlns:xsi': XSI, 'xsi:type': 'CanonicalUser' } as unknown as XmlObject, ID: ge.id, DisplayName: displayName(ge.id) }
        : { $: { 'xmlns:xsi': XSI, 'xsi:type': 'Group' } as unknown as XmlObject, URI: ge.uri };
    return { Grantee: grantee, Permission: g.permission };
  });
  return buildXml('AccessControlPolicy', { Owner: owner, AccessControlList: { Grant: grants } }, { xmlns: true });
}

const malformed = (): Error => s3Error('MalformedACLError');

export async function parseAccessControlPolicy(body: Buffer): Promise<AccessControlPolicyDoc> {
  let root;
  try {
    root = await parseXml(body, 'AccessControlPolicy');
  } catch {
    throw malformed();
  }
  const doc: AccessControlPolicyDoc = { grants: [] };
  let ownerId: string | undefined;
  try {
    const owner = child(root, 'Owner');
    if (owner) ownerId = childText(owner, 'ID')?.trim();
    const list = child(root, 'AccessControlList');
    for (const g of children(list, 'Grant')) {
      const granteeEl = child(g, 'Grantee');
      const permission = childText(g, 'Permission')?.trim();
      if (!granteeEl || !permission || !PERMISSIONS.includes(permission as Permission)) throw malformed();
      const attrs = granteeEl.$ ?? {};
      const typeAttr = Object.entries(attrs).find(([k]) => k === 'xsi:type' || k.endsWith(':type') || k === 'type')?.[1];
      let grantee: RequestedGrantee;
      if (typeAttr === 'CanonicalUser') grantee = { type: 'CanonicalUser', id: childText(granteeEl, 'ID')?.trim() ?? '' };
      else if (typeAttr === 'AmazonCustomerByEmail') grantee = { type: 'AmazonCustomerByEmail', email: childText(granteeEl, 'EmailAddress')?.trim() ?? '' };
      else if (typeAttr === 'Group') grantee = { type: 'Group', uri: childText(granteeEl, 'URI')?.trim() ?? '' };
      else throw malformed();
      doc.grants.push({ grantee, permission: permission as Permission });
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'MalformedXML') throw malformed();
    throw e;
  }
  if (ownerId !== undefined) doc.ownerId = ownerId;
  return doc;
}
