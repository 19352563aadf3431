/**
 * The typed request context every handler receives, and the typed response it returns.
 * Handlers never touch koa: they read this context and return an `S3Response`, which the
 * dispatcher writes (status, headers, then an XML string, a Buffer or a stream).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { BucketInfo, EngineApi } from '@cairn/engine';
import type { AuthResult } from './auth/types';
import type { Route } from './http/route';

export interface ServerConfig {
  /** The server's region (bucket default, SigV4 scope). */
  region: string;
  /** Virtual-host domains, normalised, longest first. */
  domains: string[];
  /** Website-endpoint domains (`<bucket>.<domain>` serves the bucket as a static site), normalised; none by default. */
  websiteDomains?: string[];
  /** Names of the notification targets (`--notify-target NAME=URL`) bucket configurations may name. */
  notifyTargets?: string[];
  /** This server's zone and its peers (replication/zones.ts); absent when no --zone was given. */
  zones?: ZoneChecks;
}

/** What request handlers need of the zone setup. */
export interface ZoneChecks {
  hasPeers(): boolean;
  /** PutBucketReplication: BUCKET must exist and be versioned in every peer zone (InvalidRequest). */
  checkDestination(bucket: string): Promise<void>;
}

/** Who is asking: null for anonymous requests. */
export interface Principal {
  userId: string;
  accessKeyId: string;
}

export interface S3Context {
  engine: EngineApi;
  config: ServerConfig;
  requestId: string;
  method: string;
  route: Route;
  /**
   * Decoded query parameters (`+` is a space, as in any query string). Handlers receive their
   * operation's parsed parameters instead; this stays for authorization's condition keys.
   */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw request; read bodies through `auth.wrapBody(req)` only. */
  req: IncomingMessage;
  auth: AuthResult;
  principal: Principal | null;
  /** The addressed bucket's record, resolved before the handler runs (absent for service operations and CreateBucket). */
  bucket?: BucketInfo;
  /** Bucket name as addressed. */
  bucketName?: string;
  /** Object key, decoded once. */
  key?: string;
  /** Extra fields for the access log line. */
  log: Record<string, unknown>;
}

export type HeaderValue = string | number | undefined;

export interface S3Response {
  status?: number;
  headers?: Record<string, HeaderValue>;
  /** XML string (Content-Type application/xml is set), Buffer, or a stream (bytes of an object). */
  body?: string | Buffer | Readable;
}

/**
 * An operation's handler: the request context, and P, what the operation's query parser
 * (params/, named by its row in operations.ts) made of the query string. Handlers of
 * operations without parameters take only the context.
 */
export type Handler<P = void> = (c: S3Context, params: P) => Promise<S3Response>;

export function header(c: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const v = c.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

export function xmlResponse(body: string, status = 200, headers: Record<string, HeaderValue> = {}): S3Response {
  return { status, headers: { 'Content-Type': 'application/xml', ...headers }, body };
}
