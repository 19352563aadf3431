/**
 * Reading small request bodies (XML documents) into memory, with a cap. Object bodies are never
 * read here: they stream into the engine.
 */
import type { Readable } from 'node:stream';
import { s3Error, type S3ErrorCode } from '../errors';

/**
 * Read a whole (already auth-wrapped) body, up to `limit` bytes. Beyond the limit the read stops
 * and `tooLarge` is thrown (the rest of the body is discarded by the HTTP server).
 */
export async function readSmallBody(body: Readable, limit: number, tooLarge: S3ErrorCode = 'MalformedXML'): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += b.length;
      if (size > limit) throw s3Error(tooLarge, tooLarge === 'MaxMessageLengthExceeded' ? 'Your request was too big.' : undefined);
      parts.push(b);
    }
  } finally {
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(parts);
}
