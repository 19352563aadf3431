/** `<VersioningConfiguration>`: PutBucketVersioning request body and GetBucketVersioning response. */
import { s3Error } from '../errors';
import { buildXml, childText, parseXml } from './codec';

export interface VersioningConfigurationDoc {
  status?: 'Enabled' | 'Suspended';
  mfaDelete?: 'Enabled' | 'Disabled';
}

export async function parseVersioningConfiguration(body: Buffer): Promise<VersioningConfigurationDoc> {
  const root = await parseXml(body, 'VersioningConfiguration');
  const status = childText(root, 'Status');
  const mfa = childText(root, 'MfaDelete');
  if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw s3Error('MalformedXML');
  if (mfa !== undefined && mfa !== 'Enabled' && mfa !== 'Disabled') throw s3Error('MalformedXML');
  const doc: VersioningConfigurationDoc = {};
  if (status) doc.status = status;
  if (mfa) doc.mfaDelete = mfa;
  return doc;
}

/** A never-versioned bucket answers an empty configuration (no Status), as S3 does. */
export function renderVersioningConfiguration(d: VersioningConfigurationDoc): string {
  return buildXml('VersioningConfiguration', { Status: d.status, MfaDelete: d.mfaDelete }, { xmlns: true });
}
