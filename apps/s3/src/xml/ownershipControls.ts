/** `<OwnershipControls>`: Get/PutBucketOwnershipControls (exactly one Rule with ObjectOwnership). */
import type { ObjectOwnership } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, children, childText, parseXml } from './codec';

const VALUES: readonly string[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

export function renderOwnershipControls(o: ObjectOwnership): string {
  return buildXml('OwnershipControls', { Rule: { ObjectOwnership: o } }, { xmlns: true });
}

export async function parseOwnershipControls(body: Buffer): Promise<ObjectOwnership> {
  const root = await parseXml(body, 'OwnershipControls');
  const rules = children(root, 'Rule');
  if (rules.length !== 1) throw s3Error('MalformedXML');
  const v = childText(rules[0], 'ObjectOwnership')?.trim();
  if (!v || !VALUES.includes(v)) throw s3Error('MalformedXML');
  return v as ObjectOwnership;
}
