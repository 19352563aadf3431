/** GetBucketLocation (GET /bucket?location): empty LocationConstraint for us-east-1, as S3 answers. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { renderLocationConstraint } from '../../xml/locationConstraint';

export const getBucketLocation: Handler = async (c) => xmlResponse(renderLocationConstraint(c.bucket!.region));
