/** GetBucketAcl (GET /bucket?acl). */
import type { Handler } from '../../context';
import { aclResponse } from '../../http/aclResponse';

export const getBucketAcl: Handler = async (c) => aclResponse(c.engine, (await c.engine.getBucketAccess(c.bucket!.name)).acl);
