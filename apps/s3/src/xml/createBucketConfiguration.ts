/** `<CreateBucketConfiguration>`: CreateBucket request body. */
import { childText, parseXml } from './codec';

export interface CreateBucketConfiguration {
  /** undefined when absent; '' when the element is empty. */
  locationConstraint?: string;
}

export async function parseCreateBucketConfiguration(body: Buffer): Promise<CreateBucketConfiguration> {
  const root = await parseXml(body, 'CreateBucketConfiguration');
  const lc = childText(root, 'LocationConstraint');
  return { locationConstraint: lc?.trim() };
}
