export { createAdminApp, createAdminRouter, type AdminAppOptions } from './app';
export { AdminClient, AdminApiError } from './client';
export { adminToken, adminTokenSignature, parseAdminToken, ADMIN_TOKEN_CONTEXT } from './token';
export { AdminError } from './errors';
