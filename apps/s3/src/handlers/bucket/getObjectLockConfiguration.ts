/** GetObjectLockConfiguration (GET /bucket?object-lock): ObjectLockConfigurationNotFoundError without one. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { renderObjectLockConfiguration } from '../../xml/objectLock';

export const getObjectLockConfiguration: Handler = async (c) =>
  xmlResponse(renderObjectLockConfiguration(await c.engine.getObjectLockConfiguration(c.bucket!.name)));
