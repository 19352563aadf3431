/** PutObjectLockConfiguration (PUT /bucket?object-lock): enables Object Lock / sets the default retention. */
import type { Handler } from '../../context';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { parseObjectLockConfiguration } from '../../xml/objectLock';

export const putObjectLockConfiguration: Handler = async (c) => {
  const cfg = await parseObjectLockConfiguration(await readSmallBody(openRequestBody(c), 64 * 1024));
  await c.engine.putObjectLockConfiguration(c.bucket!.name, cfg);
  return { status: 200 };
};
