/**
 * The website endpoint, on the S3 port: a request whose Host is `<bucket>.<website-domain>[:port]`
 * (`cairn serve --website-domain`, none by default) is a website request; every other request
 * goes on to the REST API unchanged. Website requests are anonymous GET / HEAD (any other method:
 * 405), resolved by resolve.ts, and errors are S3's HTML pages (with `x-amz-error-code` /
 * `x-amz-error-message` headers, and no body for HEAD). Credentials and query strings are ignored,
 * as S3's website endpoints do.
 */
import { Readable } from 'node:stream';
import type Koa from 'koa';
import type { EngineApi } from '@cairn/engine';
import type { ServerConfig } from '../context';
import type { ErrorLogger } from '../middleware/errorResponder';
import type { RequestState } from '../middleware/requestContext';
import { writeResponse } from '../middleware/s3Dispatch';
import { chargeWhenDone } from '../authz/requesterPays';
import { splitTarget, virtualHostBucket } from '../http/route';
import { renderWebsiteErrorPage, type WebsiteError } from './errorPage';
import { resolveWebsite, websiteError, type WebsiteResult } from './resolve';

export interface WebsiteEndpointOptions {
  engine: EngineApi;
  config: ServerConfig;
  /** Normalised website domains (route.ts normalizeDomains); none: the middleware passes everything on. */
  websiteDomains: string[];
  logError: ErrorLogger;
}

function methodNotAllowed(method: string): WebsiteError {
  return {
    status: 405,
    code: 'MethodNotAllowed',
    message: 'The specified method is not allowed against this resource.',
    fields: [
      ['Method', method],
      ['ResourceType', 'OBJECT'],
    ],
  };
}

export function websiteEndpoint(o: WebsiteEndpointOptions): Koa.Middleware {
  return async (ctx, next) => {
    if (o.websiteDomains.length === 0) return next();
    const bucketName = virtualHostBucket(ctx.req.headers.host, o.websiteDomains);
    if (bucketName === undefined) return next();

    const state = ctx.state.s3 as RequestState;
    state.bucket = bucketName;
    state.operation = 'WebsiteRequest';
    const { rawPath, rawQuery } = splitTarget(ctx.req.url ?? '/');
    let result: WebsiteResult;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      result = { error: methodNotAllowed(ctx.method) };
    } else {
      try {
        result = await resolveWebsite({
          engine: o.engine,
          config: o.config,
          requestId: state.requestId,
          req: ctx.req,
          headers: ctx.req.headers,
          method: ctx.method,
          bucketName,
          rawPath,
          rawQuery,
          host: ctx.req.headers.host ?? bucketName,
          log: state.log,
        });
      } catch (e) {
        o.logError({ requestId: state.requestId, operation: state.operation, msg: 'unexpected error', error: (e as Error)?.stack ?? String(e) });
        result = { error: websiteError(e) };
      }
    }
    chargeWhenDone(
      o.engine,
      ctx.req,
      ctx.res,
      await o.engine.getBucket(bucketName).then(
        (b) => b.owner,
        () => undefined,
      ),
      false,
    );
    // Commit-wait, as in s3Dispatch.ts; a failed sync fails the request rather than answering.
    await o.engine.durableNow().catch((e: unknown) => {
      if ('response' in result && result.response.body instanceof Readable) result.response.body.destroy();
      throw e;
    });
    if ('response' in result) {
      writeResponse(ctx, result.response);
      return;
    }
    state.errorCode = result.error.code;
    const page = renderWebsiteErrorPage(result.error, { requestId: state.requestId, hostId: state.hostId }, result.errorDocumentError);
    writeResponse(ctx, {
      status: result.error.status,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'x-amz-error-code': result.error.code,
        'x-amz-error-message': result.error.message,
        ...(ctx.method === 'HEAD' ? {} : { 'Content-Length': Buffer.byteLength(page) }),
      },
      body: page,
    });
  };
}
