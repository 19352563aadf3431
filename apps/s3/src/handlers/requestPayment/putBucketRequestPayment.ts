/** PutBucketRequestPayment (PUT /bucket?requestPayment): Payer BucketOwner | Requester. */
import type { Handler } from '../../context';
import { readConfigBody } from '../../http/configBody';
import { parseRequestPaymentConfiguration } from '../../xml/requestPaymentConfiguration';

export const putBucketRequestPayment: Handler = async (c) => {
  const payer = await parseRequestPaymentConfiguration(await readConfigBody(c));
  await c.engine.putBucketRequestPayment(c.bucket!.name, payer);
  return { status: 200 };
};
