/** Awaits a request the test expects S3 to refuse, and returns the SDK's error for its assertions. */
import type { S3ServiceException } from '@aws-sdk/client-s3';

export async function s3Err(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (e) {
    return e as S3ServiceException;
  }
  throw new Error('expected the request to fail');
}
