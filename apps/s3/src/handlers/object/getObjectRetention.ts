/** GetObjectRetention (GET /bucket/key?retention[&versionId=]). */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { xmlResponse } from '../../context';
import { renderRetention } from '../../xml/objectLock';

export const getObjectRetention: Handler<VersionParams> = async (c, p) =>
  xmlResponse(renderRetention(await c.engine.getObjectRetention(c.bucket!.name, c.key!, { versionId: p.versionId })));
