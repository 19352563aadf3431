/** Get/Put/DeletePublicAccessBlock (bucket level). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { parsePublicAccessBlockConfiguration, renderPublicAccessBlockConfiguration } from '../../xml/publicAccessBlockConfiguration';

const MAX_BODY_BYTES = 16 * 1024;

export const getPublicAccessBlock: Handler = async (c) => {
  const { publicAccessBlock } = await c.engine.getBucketAccess(c.bucket!.name);
  if (!publicAccessBlock) throw s3Error('NoSuchPublicAccessBlockConfiguration', undefined, { BucketName: c.bucket!.name });
  return xmlResponse(renderPublicAccessBlockConfiguration(publicAccessBlock));
};

export const putPublicAccessBlock: Handler = async (c) => {
  const cfg = await parsePublicAccessBlockConfiguration(await readSmallBody(openRequestBody(c), MAX_BODY_BYTES));
  await c.engine.putPublicAccessBlock(c.bucket!.name, cfg);
  return { status: 200 };
};

export const deletePublicAccessBlock: Handler = async (c) => {
  await c.engine.putPublicAccessBlock(c.bucket!.name, undefined);
  return { status: 204 };
};
