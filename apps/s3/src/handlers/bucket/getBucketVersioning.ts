/** GetBucketVersioning (GET /bucket?versioning): empty configuration until versioning was ever set. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { renderVersioningConfiguration } from '../../xml/versioningConfiguration';

export const getBucketVersioning: Handler = async (c) => {
  const b = await c.engine.getBucket(c.bucket!.name);
  return xmlResponse(renderVersioningConfiguration(b.versioning ? { status: b.versioning } : {}));
};
