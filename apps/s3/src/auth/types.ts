/**
 * Contract between authentication (auth/*) and the rest of the S3 server.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** The request as it arrived on the wire: nothing decoded yet. */
export interface RawRequest {
  method: string;
  /** Path exactly as sent (percent-encoded), without the query string. */
  rawPath: string;
  /** Query string exactly as sent, without the leading "?" ('' when none). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /** For SigV2's canonical resource in virtual-host style: the bucket the host named, if any. */
  virtualHostBucket?: string;
}

export interface SecretLookup {
  (accessKeyId: string): Promise<{ secretAccessKey: string; userId: string; suspended?: boolean } | undefined>;
}

export interface AuthOptions {
  region: string;
  lookup: SecretLookup;
  /** Clock for skew and presign expiry checks (tests inject). */
  now?: () => Date;
  /** Allowed clock skew; S3 uses 15 minutes. */
  maxSkewMs?: number;
}

export interface AuthResult {
  /** null for anonymous requests. */
  userId: string | null;
  accessKeyId: string | null;
  signatureVersion: 'AWS4-HMAC-SHA256' | 'AWS' | null;
  authType: 'REST-HEADER' | 'REST-QUERY-STRING' | null;
  /**
   * Wraps the raw request body into the payload the client meant: decodes aws-chunked
   * (verifying every chunk signature), verifies a hex x-amz-content-sha256 at end of stream,
   * collects trailers. Errors are emitted as S3Error on the returned stream
   * (SignatureDoesNotMatch, XAmzContentSHA256Mismatch, IncompleteBody, InvalidChunkSizeError...).
   */
  wrapBody(raw: Readable): Readable;
  /** Decoded payload length when the request declared one (x-amz-decoded-content-length or Content-Length). */
  decodedContentLength?: number;
  /** Trailing headers (lower-cased names), complete once the wrapped body has ended. */
  trailers(): Record<string, string>;
}
