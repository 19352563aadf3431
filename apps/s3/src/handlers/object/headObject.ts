/** HeadObject (HEAD /bucket/key): GetObject's headers, no body; errors are bodiless. */
import type { Handler } from '../../context';
import { parseReadRequest, readResponseHeaders, resolvePartRange } from './objectRead';

export const headObject: Handler = async (c) => {
  const r = parseReadRequest(c);
  const part = await resolvePartRange(c, r);
  const res = await c.engine.headObject(c.bucket!.name, c.key!, r.options);
  const { status, headers } = readResponseHeaders(c, res.meta, res.range, r, part);
  return { status, headers };
};
