/** Bucket policies: parse + validate (MalformedPolicy), evaluate, public-ness. Pure: no I/O. */
export * from './types';
export { parsePolicy, MAX_POLICY_BYTES, RGW_USER_ARN, type ParsePolicyOptions } from './parse';
export { evaluatePolicy, principalIdentifiers, statementApplies } from './evaluate';
export { isPublicPolicy, isPublicStatement } from './isPublic';
export { normalizeKey as normalizeConditionKey } from './contextKeys';
export { isKnownS3Action, S3_ACTIONS } from './actions';
export { wildcardMatch } from './wildcard';
export { parseIp, parseCidr, cidrContains } from './ip';
