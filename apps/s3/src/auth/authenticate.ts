/**
 * Entry point of authentication: picks the scheme from the request, verifies it, and returns the
 * caller plus a body wrapper that enforces the payload mode declared in x-amz-content-sha256.
 */
import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { S3Error } from '@cairn/engine';
import { AwsChunkedDecoder, type AwsChunkedOptions } from './chunked';
import { verifySigV2Header, verifySigV2Query } from './sigv2';
import {
  ALGORITHM,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  headerValue,
  splitQuery,
  percentDecode,
  verifySigV4Header,
  verifySigV4Presigned,
  type SigV4Verified,
} from './sigv4';
import type { AuthOptions, AuthResult, RawRequest } from './types';
import { invalidArgument, invalidRequest } from '../errors';

/** Passes the body through and fails at the end if its SHA-256 differs from the declared one. */
export class Sha256Verifier extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly expectedHex: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const computed = this.hash.digest('hex');
    if (computed !== this.expectedHex.toLowerCase()) {
      cb(
        new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
          ClientComputedContentSHA256: this.expectedHex,
          S3ComputedContentSHA256: computed,
        }),
      );
      return;
    }
    cb();
  }
}

function parseLength(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw invalidArgument(`Invalid ${name}`, name, value);
  }
  return Number(v);
}

function isStreaming(mode: string | undefined): boolean {
  return mode === STREAMING_SIGNED || mode === STREAMING_SIGNED_TRAILER || mode === STREAMING_UNSIGNED_TRAILER;
}

/**
 * Builds wrapBody/trailers/decodedContentLength for a payload mode. `v4` is present only for
 * SigV4 header auth, the one scheme whose signature can seed chunk signatures.
 */
function payloadHandling(
  req: RawRequest,
  mode: string | undefined,
  v4: SigV4Verified | undefined,
): Pick<AuthResult, 'wrapBody' | 'trailers' | 'decodedContentLength'> {
  let lastDecoder: AwsChunkedDecoder | undefined;
  const trailers = () => lastDecoder?.trailers() ?? {};

  if (isStreaming(mode)) {
    const signed = mode === STREAMING_SIGNED || mode === STREAMING_SIGNED_TRAILER;
    if (signed && !v4) {
      throw invalidRequest(`${mode} requires AWS Signature Version 4 header authentication`);
    }
    const decodedContentLength = parseLength(headerValue(req.headers, 'x-amz-decoded-content-length'), 'x-amz-decoded-content-length');
    const declared = headerValue(req.headers, 'x-amz-trailer')
      ?.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const options: AwsChunkedOptions = {
      signing: signed ? { signingKey: v4!.signingKey, amzDate: v4!.amzDate, scope: v4!.scope, seedSignature: v4!.signature } : undefined,
      trailer: mode !== STREAMING_SIGNED,
      declaredTrailers: declared,
      decodedContentLength,
    };
    return {
      decodedContentLength,
      trailers,
      wrapBody(raw: Readable): Readable {
        const decoder = new AwsChunkedDecoder(options);
        lastDecoder = decoder;
        pipeline(raw, decoder, () => undefined); // errors surface on `decoder` itself
        return decoder;
      },
    };
  }

  const decodedContentLength = parseLength(headerValue(req.headers, 'content-length'), 'Content-Length');
  if (v4 && mode && /^[0-9a-fA-F]{64}$/.test(mode)) {
    const expected = mode;
    return {
      decodedContentLength,
      trailers,
      wrapBody(raw: Readable): Readable {
        const verifier = new Sha256Verifier(expected);
        pipeline(raw, verifier, () => undefined);
        return verifier;
      },
    };
  }
  return { decodedContentLength, trailers, wrapBody: (raw: Readable) => raw };
}

function hasParam(rawQuery: string, names: string[]): boolean {
  if (!rawQuery) return false;
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return splitQuery(rawQuery).some(([k]) => wanted.has(percentDecode(k).toLowerCase()));
}

function onlyOneMechanism(): S3Error {
  return invalidArgument(
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    'Authorization',
  );
}

export async function authenticate(req: RawRequest, opts: AuthOptions): Promise<AuthResult> {
  const authorization = headerValue(req.headers, 'authorization')?.trim() || undefined;
  const v4Query = hasParam(req.rawQuery, ['X-Amz-Algorithm', 'X-Amz-Signature', 'X-Amz-Credential']);
  const v2Query = hasParam(req.rawQuery, ['AWSAccessKeyId']) && hasParam(req.rawQuery, ['Signature']);
  const mode = headerValue(req.headers, 'x-amz-content-sha256')?.trim();

  if (authorization !== undefined) {
    if (v4Query || v2Query) throw onlyOneMechanism();
    if (authorization.startsWith(ALGORITHM + ' ')) {
      const v = await verifySigV4Header(req, authorization, opts);
      return {
        userId: v.userId,
        accessKeyId: v.accessKeyId,
        signatureVersion: 'AWS4-HMAC-SHA256',
        authType: 'REST-HEADER',
        ...payloadHandling(req, v.payloadHash, v),
      };
    }
    if (authorization.startsWith('AWS ')) {
      const v = await verifySigV2Header(req, authorization, opts);
      return {
        userId: v.userId,
        accessKeyId: v.accessKeyId,
        signatureVersion: 'AWS',
        authType: 'REST-HEADER',
        ...payloadHandling(req, mode, undefined),
      };
    }
    throw invalidArgument('Unsupported Authorization Type', 'Authorization', authorization);
  }

  if (v4Query) {
    if (v2Query) throw onlyOneMechanism();
    const v = await verifySigV4Presigned(req, opts);
    return {
      userId: v.userId,
      accessKeyId: v.accessKeyId,
      signatureVersion: 'AWS4-HMAC-SHA256',
      authType: 'REST-QUERY-STRING',
      ...payloadHandling(req, v.payloadHash, v),
    };
  }

  if (v2Query) {
    const v = await verifySigV2Query(req, opts);
    return {
      userId: v.userId,
      accessKeyId: v.accessKeyId,
      signatureVersion: 'AWS',
      authType: 'REST-QUERY-STRING',
      ...payloadHandling(req, mode, undefined),
    };
  }

  // Anonymous: only unsigned aws-chunked framing needs undoing; nothing else is checked.
  return {
    userId: null,
    accessKeyId: null,
    signatureVersion: null,
    authType: null,
    ...payloadHandling(req, isStreaming(mode) ? mode : undefined, undefined),
  };
}
