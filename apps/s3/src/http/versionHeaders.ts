/**
 * x-amz-version-id as S3 sends it: a real version id always; "null" only once the bucket's
 * versioning was configured (an unversioned bucket never mentions versions).
 */
import type { BucketInfo } from '@cairn/engine';
import { invalidArgument } from '../errors';

export function versionIdHeader(bucket: BucketInfo | undefined, versionId: string | undefined): string | undefined {
  if (versionId === undefined) return undefined;
  if (versionId !== 'null') return versionId;
  return bucket?.versioning ? 'null' : undefined;
}

/** ?versionId= of an object request: absent, or a non-empty id (the engine checks its form). */
export function queryVersionId(query: URLSearchParams): string | undefined {
  const v = query.get('versionId');
  if (v === null) return undefined;
  if (v === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', '');
  return v;
}
