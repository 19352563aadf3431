/**
 * PutBucketVersioning (PUT /bucket?versioning): Enabled ⇄ Suspended (never back to unversioned).
 * MFA delete cannot be honoured (Cairn has no MFA devices): enabling it without x-amz-mfa is
 * S3's AccessDenied; with x-amz-mfa it is NotImplemented. A document without Status changes nothing.
 */
import type { Handler } from '../../context';
import { header } from '../../context';
import { s3Error, accessDenied } from '../../errors';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { parseVersioningConfiguration } from '../../xml/versioningConfiguration';

export const putBucketVersioning: Handler = async (c) => {
  const body = await readSmallBody(openRequestBody(c), 64 * 1024);
  const doc = await parseVersioningConfiguration(body);
  if (doc.mfaDelete === 'Enabled') {
    if (header(c, 'x-amz-mfa') === undefined) throw accessDenied('Mfa Authentication must be used for this request');
    throw s3Error('NotImplemented', 'MFA delete is not supported', { Header: 'x-amz-mfa' });
  }
  if (doc.status) await c.engine.putBucketVersioning(c.bucket!.name, doc.status);
  return { status: 200 };
};
