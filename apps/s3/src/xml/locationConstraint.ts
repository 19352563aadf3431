/** `<LocationConstraint>`: GetBucketLocation response (empty for us-east-1, as S3 answers). */
import { buildXml } from './codec';

export function renderLocationConstraint(region: string): string {
  return buildXml('LocationConstraint', region === 'us-east-1' ? '' : region, { xmlns: true });
}
