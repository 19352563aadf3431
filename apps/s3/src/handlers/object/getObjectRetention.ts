/** GetObjectRetention (GET /bucket/key?retention[&versionId=]). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { queryVersionId } from '../../http/versionHeaders';
import { renderRetention } from '../../xml/objectLock';

export const getObjectRetention: Handler = async (c) =>
  xmlResponse(renderRetention(await c.engine.getObjectRetention(c.bucket!.name, c.key!, { versionId: queryVersionId(c.query) })));
