/** `<PolicyStatus>`: GetBucketPolicyStatus response. */
import { buildXml } from './codec';

export function renderPolicyStatus(isPublic: boolean): string {
  return buildXml('PolicyStatus', { IsPublic: isPublic }, { xmlns: true });
}
