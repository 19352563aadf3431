/**
 * S3 general-purpose bucket naming rules.
 */
import { S3Error } from '../errors';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const BAD_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const BAD_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why `name` is not a valid bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length < 3 || name.length > 63) return 'Bucket name must be between 3 and 63 characters long';
  if (!SHAPE.test(name)) return 'Bucket name must consist of lowercase letters, digits, dots and hyphens, and begin and end with a letter or digit';
  if (name.includes('..')) return 'Bucket name must not contain two adjacent periods';
  if (name.includes('.-') || name.includes('-.')) return 'Bucket name must not contain a period next to a hyphen';
  if (IPV4.test(name)) return 'Bucket name must not be formatted as an IP address';
  if (BAD_PREFIXES.some((p) => name.startsWith(p))) return 'Bucket name uses a reserved prefix';
  if (BAD_SUFFIXES.some((s) => name.endsWith(s))) return 'Bucket name uses a reserved suffix';
  return undefined;
}

export function validateBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: String(name), Reason: problem });
}
