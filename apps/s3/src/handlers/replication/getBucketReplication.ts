/** GetBucketReplication (GET /bucket?replication): ReplicationConfigurationNotFoundError when none is set. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { renderReplicationConfiguration } from '../../xml/replicationConfiguration';

export const getBucketReplication: Handler = async (c) => {
  const cfg = await c.engine.getBucketReplication(c.bucket!.name);
  if (!cfg) throw s3Error('ReplicationConfigurationNotFoundError', undefined, { BucketName: c.bucket!.name });
  return xmlResponse(renderReplicationConfiguration(cfg));
};
