/**
 * The S3 request path after addressing: operation (operations.ts) → authenticate (auth/) →
 * bucket lookup → authorize (authorize.ts) → the operation's query parser → handler → response.
 */
import { Readable } from 'node:stream';
import type Koa from 'koa';
import type { EngineApi } from '@cairn/engine';
import { authenticate } from '../auth/authenticate';
import type { AuthOptions } from '../auth/types';
import { authorize } from '../authz/authorize';
import { authorizeRequest } from '../authz/authzRequest';
import type { Principal, S3Context, S3Response, ServerConfig } from '../context';
import { s3Error } from '../errors';
import { REQUEST_CHARGED_HEADER, chargeWhenDone, requesterPays } from '../authz/requesterPays';
import { awaitingContinue } from '../http/expectContinue';
import { resolveOperation, type Target } from '../operations';
import type { Route } from '../http/route';
import type { RequestState } from './requestContext';

export interface DispatchDeps {
  engine: EngineApi;
  config: ServerConfig;
  authOptions: AuthOptions;
}

export function s3Dispatch(deps: DispatchDeps): Koa.Middleware {
  const { engine, config, authOptions } = deps;
  return async (ctx) => {
    const state = ctx.state.s3 as RequestState;
    const route = ctx.state.route as Route;
    const headers = ctx.req.headers;
    const target: Target = route.bucket === undefined ? 'service' : route.key === undefined ? 'bucket' : 'object';
    const query = new URLSearchParams(route.rawQuery);
    const op = resolveOperation(ctx.method, target, query, headers);
    const authMode = op.auth;
    state.operation = op.name;

    // A preflight is never authenticated (its query may still carry a presigned URL's signature).
    const auth = await authenticate(
      authMode === 'none'
        ? { method: ctx.method, rawPath: route.rawPath, rawQuery: '', headers: {} }
        : { method: ctx.method, rawPath: route.rawPath, rawQuery: route.rawQuery, headers, virtualHostBucket: route.virtualHostBucket },
      authOptions,
    );
    const principal: Principal | null = auth.userId ? { userId: auth.userId, accessKeyId: auth.accessKeyId ?? '' } : null;
    state.userId = auth.userId;

    let res: S3Response;
    try {
      if (!op.implemented) throw s3Error('NotImplemented');

      const bucket = target !== 'service' && op.name !== 'CreateBucket' ? await engine.getBucket(route.bucket!) : undefined;
      const expectedOwner = headers['x-amz-expected-bucket-owner'];
      const expectedBucketOwner = Array.isArray(expectedOwner) ? expectedOwner[0] : expectedOwner;
      if (authMode !== 'signed') {
        // CORS preflights need no credentials; POST Object authorizes from its form (handler).
      } else if (bucket) {
        const versionId = query.get('versionId') ?? undefined;
        await authorizeRequest(
          engine,
          { req: ctx.req, headers, query, auth, principal },
          { operation: op.name, bucket, key: route.key, versionId, expectedBucketOwner },
        );
      } else {
        authorize({ principal, operation: op.name, expectedBucketOwner });
      }
      if (authMode === 'signed') {
        const payer = headers['x-amz-request-payer'];
        const charged = bucket ? await requesterPays(engine, bucket, principal, Array.isArray(payer) ? payer[0] : payer) : false;
        if (charged) ctx.set(REQUEST_CHARGED_HEADER, 'requester');
        chargeWhenDone(engine, ctx.req, ctx.res, charged ? principal!.userId : (bucket?.owner ?? principal?.userId), charged);
      }

      // Changes this request makes carry who made them into the change feed (engine feed/requestInfo.ts).
      const info = { requester: auth.userId ?? undefined, sourceIp: ctx.req.socket.remoteAddress, requestId: state.requestId, hostId: state.hostId };
      const c: S3Context = {
        engine: engine.forRequest(info),
        config,
        requestId: state.requestId,
        method: ctx.method,
        route,
        query,
        headers,
        req: ctx.req,
        auth,
        principal,
        bucket,
        bucketName: route.bucket,
        key: route.key,
        log: state.log,
      };
      // Parameters are parsed after authorization, as S3 does: a caller that may not act gets AccessDenied, not a parameter error.
      const params = op.params(query);
      res = await op.handler(c, params);
    } catch (e) {
      // An error may report what a not-yet-durable change did (NoSuchBucket after a DeleteBucket,
      // AccessDenied from a new policy, 412, 409, ...): the same wait as below. If the wait fails
      // (a failed sync: 503), that is the answer: the error may describe a change now lost.
      await engine.durableNow();
      throw e;
    }
    // Commit-wait: under group commit a read can see a change whose shared fsync is still running;
    // answer only once it is durable (free when nothing is pending; writes are durable already).
    try {
      await engine.durableNow();
    } catch (e) {
      if (res.body instanceof Readable) res.body.destroy(); // releases its read lease at once
      throw e;
    }
    writeResponse(ctx, res);
  };
}

export function writeResponse(ctx: Koa.Context, res: S3Response): void {
  const status = res.status ?? 200;
  const body = ctx.method === 'HEAD' ? undefined : res.body;
  if (body === undefined) ctx.body = null; // an explicitly empty body; koa keeps the status set next
  ctx.status = status;
  for (const [k, v] of Object.entries(res.headers ?? {})) if (v !== undefined) ctx.set(k, String(v));
  if (awaitingContinue(ctx.req)) ctx.set('Connection', 'close');
  if (body === undefined) return;
  if (typeof body === 'string' && !ctx.response.get('Content-Type')) ctx.set('Content-Type', 'application/xml');
  ctx.body = body;
}
