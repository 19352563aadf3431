/**
 * PutBucketNotificationConfiguration (PUT /bucket?notification): replaces the whole
 * configuration (an empty document removes it). Every destination ARN must name a target this
 * server was started with (`--notify-target NAME=URL`), else InvalidArgument "Unable to
 * validate the following destination configurations", as S3 answers for a destination it cannot
 * reach. The rest of S3's validation is the engine's (notifications/rules.ts), run first.
 */
import { notificationTargetOf, validateNotificationConfiguration } from '@cairn/engine';
import type { Handler } from '../../context';
import { s3Error } from '../../errors';
import { readConfigBody } from '../../http/configBody';
import { parseNotificationConfiguration } from '../../xml/notificationConfiguration';

export const putBucketNotificationConfiguration: Handler = async (c) => {
  const cfg = await parseNotificationConfiguration(await readConfigBody(c));
  const valid = validateNotificationConfiguration(cfg);
  const known = new Set(c.config.notifyTargets ?? []);
  const fields: Record<string, string> = {};
  let n = 0;
  for (const r of valid.rules) {
    const target = notificationTargetOf(r.arn, r.kind, c.config.region);
    if (target !== undefined && known.has(target)) continue;
    n++;
    fields[`ArgumentName${n}`] = r.arn;
    fields[`ArgumentValue${n}`] =
      target === undefined
        ? 'The destination ARN is not of the form arn:aws:sns|sqs|lambda:<region>:cairn:<target>'
        : `No notification target named "${target}" is configured on this server`;
  }
  if (n) throw s3Error('InvalidArgument', 'Unable to validate the following destination configurations', fields);
  await c.engine.putBucketNotification(c.bucket!.name, valid);
  return { status: 200 };
};
