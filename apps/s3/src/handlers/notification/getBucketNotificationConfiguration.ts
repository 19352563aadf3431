/** GetBucketNotificationConfiguration (GET /bucket?notification): an empty document when none is set, as S3. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { renderNotificationConfiguration } from '../../xml/notificationConfiguration';

export const getBucketNotificationConfiguration: Handler = async (c) =>
  xmlResponse(renderNotificationConfiguration(await c.engine.getBucketNotification(c.bucket!.name)));
