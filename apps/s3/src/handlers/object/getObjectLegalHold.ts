/** GetObjectLegalHold (GET /bucket/key?legal-hold[&versionId=]). */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { xmlResponse } from '../../context';
import { renderLegalHold } from '../../xml/objectLock';

export const getObjectLegalHold: Handler<VersionParams> = async (c, p) =>
  xmlResponse(renderLegalHold(await c.engine.getObjectLegalHold(c.bucket!.name, c.key!, { versionId: p.versionId })));
