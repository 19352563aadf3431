/** GetObjectLegalHold (GET /bucket/key?legal-hold[&versionId=]). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { queryVersionId } from '../../http/versionHeaders';
import { renderLegalHold } from '../../xml/objectLock';

export const getObjectLegalHold: Handler = async (c) =>
  xmlResponse(renderLegalHold(await c.engine.getObjectLegalHold(c.bucket!.name, c.key!, { versionId: queryVersionId(c.query) })));
