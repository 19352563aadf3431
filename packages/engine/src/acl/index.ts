/** ACL model: grants, canned ACLs, checks. Pure: no I/O. */
export * from './types';
export { cannedAcl, privateAcl, isCannedAcl } from './canned';
export { aclGrants, isPublicAcl, isPublicGrant, isOwnerOnlyAcl, validateAcl, cloneAcl } from './check';
