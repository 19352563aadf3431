/**
 * Get/Put/DeleteBucketPolicy and GetBucketPolicyStatus. The policy is stored as sent (GET returns
 * the same text); PUT validates it (MalformedPolicy) and refuses public policies under
 * BlockPublicPolicy (AccessDenied).
 */
import { isPublicPolicy, parsePolicy } from '@cairn/engine';
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { renderPolicyStatus } from '../../xml/policyStatus';

/** Slightly above S3's 20 KB limit, so an oversized policy gets the MalformedPolicy message. */
const MAX_POLICY_BODY_BYTES = 64 * 1024;

async function storedPolicy(c: Parameters<Handler>[0]): Promise<string> {
  const { policy } = await c.engine.getBucketAccess(c.bucket!.name);
  if (policy === undefined) throw s3Error('NoSuchBucketPolicy', undefined, { BucketName: c.bucket!.name });
  return policy;
}

export const getBucketPolicy: Handler = async (c) => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: await storedPolicy(c) });

export const putBucketPolicy: Handler = async (c) => {
  const body = await readSmallBody(openRequestBody(c), MAX_POLICY_BODY_BYTES, 'MalformedPolicy');
  await c.engine.putBucketPolicy(c.bucket!.name, body.toString('utf8'));
  return { status: 204 };
};

export const deleteBucketPolicy: Handler = async (c) => {
  await c.engine.putBucketPolicy(c.bucket!.name, undefined);
  return { status: 204 };
};

export const getBucketPolicyStatus: Handler = async (c) => {
  const policy = parsePolicy(await storedPolicy(c), { bucket: c.bucket!.name });
  return xmlResponse(renderPolicyStatus(isPublicPolicy(policy)));
};
