/** `<PublicAccessBlockConfiguration>`: Get/PutPublicAccessBlock. Absent elements mean false. */
import type { PublicAccessBlockConfig } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, childText, parseXml } from './codec';

const FIELDS: [keyof PublicAccessBlockConfig, string][] = [
  ['blockPublicAcls', 'BlockPublicAcls'],
  ['ignorePublicAcls', 'IgnorePublicAcls'],
  ['blockPublicPolicy', 'BlockPublicPolicy'],
  ['restrictPublicBuckets', 'RestrictPublicBuckets'],
];

export function renderPublicAccessBlockConfiguration(c: PublicAccessBlockConfig): string {
  return buildXml('PublicAccessBlockConfiguration', Object.fromEntries(FIELDS.map(([f, el]) => [el, c[f]])), { xmlns: true });
}

export async function parsePublicAccessBlockConfiguration(body: Buffer): Promise<PublicAccessBlockConfig> {
  const root = await parseXml(body, 'PublicAccessBlockConfiguration');
  const out = {} as PublicAccessBlockConfig;
  for (const [f, el] of FIELDS) {
    const v = childText(root, el)?.trim().toLowerCase();
    if (v !== undefined && v !== 'true' && v !== 'false') throw s3Error('MalformedXML');
    out[f] = v === 'true';
  }
  return out;
}
