/** GetBucketTagging (GET /bucket?tagging): NoSuchTagSet when the bucket has no tags. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { renderTagging } from '../../xml/tagging';

export const getBucketTagging: Handler = async (c) => xmlResponse(renderTagging(await c.engine.getBucketTagging(c.bucket!.name)));
