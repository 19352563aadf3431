/**
 * PutBucketReplication (PUT /bucket?replication): Content-MD5 or a checksum is required (as S3).
 * The engine validates the rules and that versioning is Enabled; the server then checks each
 * destination in every peer zone (exists, versioned: InvalidRequest as S3) before storing.
 */
import type { Handler } from '../../context';
import { validateReplicationConfiguration } from '@cairn/engine';
import { readConfigBody } from '../../http/configBody';
import { parseReplicationConfiguration } from '../../xml/replicationConfiguration';
import { s3Error } from '../../errors';

export const putBucketReplication: Handler = async (c) => {
  const cfg = await parseReplicationConfiguration(await readConfigBody(c, { requireIntegrity: true }));
  if (c.bucket!.versioning !== 'Enabled') throw s3Error('InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
  const valid = validateReplicationConfiguration(cfg);
  const zones = c.config.zones;
  // Destinations are "that bucket in every peer zone": without peers the versions would stay PENDING forever.
  if (!zones?.hasPeers()) throw s3Error('InvalidRequest', 'This server has no peer zones to replicate to (cairn serve --zone NAME --peer NAME=URL).');
  for (const dest of new Set(valid.rules.map((r) => r.destinationBucket))) await zones?.checkDestination(dest);
  await c.engine.putBucketReplication(c.bucket!.name, cfg);
  return { status: 200 };
};
