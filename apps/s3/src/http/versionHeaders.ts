/**
 * x-amz-version-id as S3 sends it: a real version id always; "null" only once the bucket's
 * versioning was configured (an unversioned bucket never mentions versions).
 */
import type { BucketInfo } from '@cairn/engine';

export function versionIdHeader(bucket: BucketInfo | undefined, versionId: string | undefined): string | undefined {
  if (versionId === undefined) return undefined;
  if (versionId !== 'null') return versionId;
  return bucket?.versioning ? 'null' : undefined;
}
