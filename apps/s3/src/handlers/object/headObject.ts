/** HeadObject (HEAD /bucket/key): GetObject's headers, no body; errors are bodiless. */
import type { Handler } from '../../context';
import type { ObjectReadParams } from '../../params/objectParams';
import { expirationHeaders } from '../../http/expirationHeader';
import { parseReadRequest, readResponseHeaders, resolvePartRange } from './objectRead';

export const headObject: Handler<ObjectReadParams> = async (c, p) => {
  const r = parseReadRequest(c, p);
  const part = await resolvePartRange(c, r);
  const res = await c.engine.headObject(c.bucket!.name, c.key!, r.options);
  const { status, headers } = readResponseHeaders(c, res.meta, res.range, r, part);
  Object.assign(headers, await expirationHeaders(c, c.bucket!.name, res.meta));
  return { status, headers };
};
