/** `<RequestPaymentConfiguration>`: PutBucketRequestPayment body and GetBucketRequestPayment response. */
import type { RequestPayer } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, childText, parseXml } from './codec';

export async function parseRequestPaymentConfiguration(body: Buffer): Promise<RequestPayer> {
  const root = await parseXml(body, 'RequestPaymentConfiguration');
  const payer = childText(root, 'Payer')?.trim();
  if (payer !== 'BucketOwner' && payer !== 'Requester') throw s3Error('MalformedXML');
  return payer;
}

export function renderRequestPaymentConfiguration(payer: RequestPayer): string {
  return buildXml('RequestPaymentConfiguration', { Payer: payer }, { xmlns: true });
}
