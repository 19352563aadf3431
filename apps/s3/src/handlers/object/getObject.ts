/** GetObject (GET /bucket/key): streams the engine's body to the socket with backpressure. */
import type { Handler } from '../../context';
import type { ObjectReadParams } from '../../params/objectParams';
import { expirationHeaders } from '../../http/expirationHeader';
import { parseReadRequest, readResponseHeaders, resolvePartRange } from './objectRead';
import { recyclingBody } from '../../http/recyclingBody';

export const getObject: Handler<ObjectReadParams> = async (c, p) => {
  const r = parseReadRequest(c, p);
  const part = await resolvePartRange(c, r);
  // Pooled read buffers, each handed back from its socket write's callback (recyclingBody.ts).
  const res = await c.engine.getObject(c.bucket!.name, c.key!, { ...r.options, pooledBuffers: true });
  const { status, headers } = readResponseHeaders(c, res.meta, res.range, r, part);
  Object.assign(headers, await expirationHeaders(c, c.bucket!.name, res.meta));
  c.log.bytes = res.range ? res.range.end - res.range.start + 1 : res.meta.size;
  if (res.bytes) {
    // In memory already (inline body): one write with the headers instead of a piped stream.
    res.body.destroy();
    return { status, headers, body: res.bytes };
  }
  return { status, headers, body: recyclingBody(res.body) };
};
