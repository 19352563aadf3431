/** @cairn/s3: the S3 HTTP server over the Cairn engine. */
export { startServer, parseUsers, DEFAULT_DOMAINS, DEFAULT_REGION, type ServerOptions, type RunningServer } from './server';
export { createApp, type AppOptions } from './app';
export { OPERATIONS, resolveOperation, operationStats, type OperationDef } from './operations';
export { ERROR_TABLE, toErrorResponse } from './errors';
export { resolveRoute, type Route } from './http/route';
