/** GetBucketRequestPayment (GET /bucket?requestPayment). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { renderRequestPaymentConfiguration } from '../../xml/requestPaymentConfiguration';

export const getBucketRequestPayment: Handler = async (c) =>
  xmlResponse(renderRequestPaymentConfiguration(await c.engine.getBucketRequestPayment(c.bucket!.name)));
