/**
 * Is a bucket policy "public" in S3's sense (GetBucketPolicyStatus, BlockPublicPolicy,
 * RestrictPublicBuckets)? A policy is public when an Allow statement grants to everyone
 * (Principal "*" / NotPrincipal) without a condition that pins the caller to fixed, non-wildcard
 * values of a key S3 accepts as restricting (source IP ranges, source ARN/VPC/account, principal
 * account / org, user id).
 */
import { parseCidr } from './ip';
import type { Policy, Statement } from './types';

const RESTRICTING_KEYS = new Set([
  'aws:sourceip',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceaccount',
  'aws:sourceowner',
  'aws:principalaccount',
  'aws:principalorgid',
  'aws:principalarn',
  'aws:userid',
  's3:dataaccesspointaccount',
  's3:dataaccesspointarn',
]);
const FIXING_OPERATORS = /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress)(IfExists)?$/;

function restricted(st: Statement): boolean {
  for (const [op, keys] of Object.entries(st.condition ?? {})) {
    const base = op.replace(/^ForAnyValue:|^ForAllValues:/, '');
    if (!FIXING_OPERATORS.test(base) || base.endsWith('IfExists')) continue;
    for (const [key, values] of Object.entries(keys)) {
      if (!RESTRICTING_KEYS.has(key.toLowerCase())) continue;
      if (base.startsWith('IpAddress')) {
        // Any range of a public-internet size (/0 .. /7 for IPv4, /0 .. /31 for IPv6) counts as public.
        if (
          values.every((v) => {
            const c = parseCidr(v);
            return !!c && c.bits >= (c.bytes.length === 4 ? 8 : 32);
          })
        )
          return true;
      } else if (values.every((v) => !/[*?]/.test(v))) return true;
    }
  }
  return false;
}

function grantsToEveryone(st: Statement): boolean {
  if (st.notPrincipal) return true;
  return !!(st.principal?.AWS?.includes('*') || st.principal?.CanonicalUser?.includes('*'));
}

export function isPublicStatement(st: Statement): boolean {
  return st.effect === 'Allow' && grantsToEveryone(st) && !restricted(st);
}

export function isPublicPolicy(policy: Policy): boolean {
  return policy.statements.some(isPublicStatement);
}
