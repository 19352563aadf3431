/**
 * Get/Put/DeleteBucketPolicy and GetBucketPolicyStatus. The policy is stored as sent (GET returns
 * the same text); PUT validates it (MalformedPolicy) and refuses public policies under
 * BlockPublicPolicy (AccessDenied).
 */
import { isPublicPolicy, parsePolicy, policy as policyLib } from '@cairn/engine';
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

/**
 * The Cairn user a principal string names ("alice", arn:aws:iam::alice:root, arn:aws:iam::alice:user/alice,
 * and Ceph RGW's arn:aws:iam::[TENANT]:user/alice).
 */
function principalUser(p: string): string | undefined {
  if (p === '*') return undefined;
  const user = policyLib.RGW_USER_ARN.exec(p);
  if (user) return user[2];
  const arn = /^arn:aws:(?:iam|sts)::([^:]+):/.exec(p);
  return arn ? arn[1] : p;
}

/** S3 refuses policies naming principals that do not exist: MalformedPolicy "Invalid principal in policy". */
async function checkPrincipalsExist(c: Parameters<Handler>[0], text: string): Promise<void> {
  const policy = parsePolicy(text, { bucket: c.bucket!.name });
  for (const st of policy.statements) {
    for (const spec of [st.principal, st.notPrincipal]) {
      for (const id of [...(spec?.AWS ?? []).map(principalUser), ...(spec?.CanonicalUser ?? []).filter((x) => x !== '*')]) {
        if (id !== undefined && !(await c.engine.getUser(id))) throw s3Error('MalformedPolicy', 'Invalid principal in policy');
      }
    }
  }
}

export const putBucketPolicy: Handler = async (c) => {
  const body = await readSmallBody(openRequestBody(c), MAX_POLICY_BODY_BYTES, 'MalformedPolicy');
  const text = body.toString('utf8');
  await checkPrincipalsExist(c, text);
  await c.engine.putBucketPolicy(c.bucket!.name, text);
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
