/**
 * aws-chunked body decoder (Content-Encoding: aws-chunked), as a streaming Transform.
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer-name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]] \r\n
 *
 * Signed chunks are held until their signature is verified, so nothing unverified reaches the
 * consumer; at most one chunk (capped) is held. Unsigned chunks stream straight through (some
 * clients send a whole multi-GiB body as a single unsigned chunk). Input may be split anywhere.
 */
import { createHash, createHmac, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '@cairn/engine';
import { safeEqual } from './constantTime';
import { invalidArgument } from '../errors';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const DEFAULT_MAX_SIGNED_CHUNK = 16 * 1024 * 1024;
const MAX_LINE = 4096;
const MAX_TRAILERS = 32;

export interface ChunkSigning {
  signingKey: Buffer;
  /** ISO8601 basic timestamp of the request (x-amz-date). */
  amzDate: string;
  /** Credential scope, e.g. 20130524/us-east-1/s3/aws4_request. */
  scope: string;
  /** The request's own signature: the first chunk chains from it. */
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Present → every chunk must carry a chunk-signature, and each is verified. */
  signing?: ChunkSigning;
  /** Trailing headers follow the final chunk (the *-TRAILER payload modes). */
  trailer: boolean;
  /** Names from x-amz-trailer; each must arrive. */
  declaredTrailers?: string[];
  /** x-amz-decoded-content-length, when sent. */
  decodedContentLength?: number;
  /** Largest signed chunk held in memory while its signature is checked. */
  maxSignedChunkSize?: number;
}

type State = 'size' | 'data' | 'dataEnd' | 'afterLast' | 'trailer' | 'done';

function malformed(detail: string): S3Error {
  return invalidArgument(`Malformed aws-chunked body: ${detail}`, 'Content-Encoding', 'aws-chunked');
}

function malformedTrailer(detail?: string): S3Error {
  return new S3Error(
    'MalformedTrailerError',
    'The request contained trailing data that was not well-formed or did not conform to our published schema.' + (detail ? ` (${detail})` : ''),
  );
}

function incomplete(): S3Error {
  return new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
}

function chunkMismatch(stringToSign: string, provided: string): S3Error {
  return new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { StringToSign: stringToSign, SignatureProvided: provided },
  );
}

const SIGNED_SIZE_LINE = /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/;
const UNSIGNED_SIZE_LINE = /^([0-9a-fA-F]{1,16})(;.*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class AwsChunkedDecoder extends Transform {
  private state: State = 'size';
  private line: Buffer[] = [];
  private lineLen = 0;
  private lineSawCR = false;
  private remaining = 0;
  private crlfSeen = 0;
  private held: Buffer[] = [];
  private chunkHash?: Hash;
  private chunkSig = '';
  private prevSig: string;
  private decoded = 0;
  private skippedBlankBeforeTrailers = false;
  private readonly trailerList: Array<[string, string, string]> = []; // [lower name, name as sent, value]
  private trailerSig?: string;
  private readonly trailerMap: Record<string, string> = Object.create(null) as Record<string, string>;
  private readonly maxSigned: number;

  constructor(private readonly opts: AwsChunkedOptions) {
    super();
    this.prevSig = opts.signing?.seedSignature ?? '';
    this.maxSigned = opts.maxSignedChunkSize ?? DEFAULT_MAX_SIGNED_CHUNK;
  }

  /** Trailing headers (lower-cased names, without x-amz-trailer-signature); complete after 'end'. */
  trailers(): Record<string, string> {
    return { ...this.trailerMap };
  }

  /** Decoded payload bytes so far. */
  get decodedLength(): number {
    return this.decoded;
  }

  override _transform(buf: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.consume(buf);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.finish();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  /**
   * Reads one CRLF-terminated line starting at buf[i]. Returns the line and the index after it,
   * or undefined (with the partial line kept) when buf ends first.
   */
  private readLine(buf: Buffer, i: number): { line: string; next: number } | undefined {
    for (let j = i; j < buf.length; j++) {
      const c = buf[j];
      if (c === 0x0a) {
        if (!this.lineSawCR) throw malformed('line terminated by LF without CR');
        this.pushLinePart(buf.subarray(i, j));
        const all = Buffer.concat(this.line, this.lineLen);
        this.line = [];
        this.lineLen = 0;
        this.lineSawCR = false;
        return { line: all.subarray(0, all.length - 1).toString('latin1'), next: j + 1 };
      }
      if (this.lineSawCR) throw malformed('CR not followed by LF');
      if (c === 0x0d) this.lineSawCR = true;
    }
    this.pushLinePart(buf.subarray(i));
    return undefined;
  }

  private pushLinePart(part: Buffer): void {
    if (part.length === 0) return;
    this.lineLen += part.length;
    if (this.lineLen > MAX_LINE + 1) throw malformed('line too long');
    this.line.push(Buffer.from(part)); // copy: input buffers may be reused by the producer
  }

  private consume(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case 'size': {
          const r = this.readLine(buf, i);
          if (!r) return;
          i = r.next;
          this.startChunk(r.line);
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          const piece = buf.subarray(i, i + n);
          i += n;
          this.remaining -= n;
          this.decoded += n;
          if (this.opts.decodedContentLength !== undefined && this.decoded > this.opts.decodedContentLength) {
            throw invalidArgument(
              'The decoded body is longer than x-amz-decoded-content-length',
              'x-amz-decoded-content-length',
              String(this.opts.decodedContentLength),
            );
          }
          if (this.opts.signing) {
            this.chunkHash!.update(piece);
            this.held.push(piece);
          } else {
            this.push(piece);
          }
          if (this.remaining === 0) {
            this.state = 'dataEnd';
            this.crlfSeen = 0;
          }
          break;
        }
        case 'dataEnd': {
          const want = this.crlfSeen === 0 ? 0x0d : 0x0a;
          if (buf[i] !== want) throw malformed('chunk data not followed by CRLF');
          i++;
          if (++this.crlfSeen === 2) {
            this.endChunk();
            this.state = 'size';
          }
          break;
        }
        case 'afterLast': {
          // Only the terminating CRLF may follow the final chunk when no trailers are expected.
          const want = this.crlfSeen === 0 ? 0x0d : 0x0a;
          if (buf[i] !== want) throw malformed('unexpected data after the final chunk');
          i++;
          if (++this.crlfSeen === 2) this.state = 'done';
          break;
        }
        case 'trailer': {
          const r = this.readLine(buf, i);
          if (!r) return;
          i = r.next;
          this.trailerLine(r.line);
          break;
        }
        case 'done':
          // tolerate stray CR/LF padding; anything else is not part of the encoding
          if (buf[i] !== 0x0d && buf[i] !== 0x0a) throw malformed('unexpected data after the end of the body');
          i++;
          break;
      }
    }
  }

  private startChunk(line: string): void {
    let sizeHex: string;
    if (this.opts.signing) {
      const m = SIGNED_SIZE_LINE.exec(line);
      if (!m) throw malformed(`bad chunk header ${JSON.stringify(line.slice(0, 100))}`);
      sizeHex = m[1];
      this.chunkSig = m[2];
    } else {
      const m = UNSIGNED_SIZE_LINE.exec(line);
      if (!m) throw malformed(`bad chunk header ${JSON.stringify(line.slice(0, 100))}`);
      sizeHex = m[1];
    }
    const size = parseInt(sizeHex, 16);
    if (!Number.isSafeInteger(size)) throw malformed('chunk size too large');
    if (this.opts.signing && size > this.maxSigned) {
      throw invalidArgument(`Chunk size ${size} exceeds the maximum of ${this.maxSigned} bytes for signed chunks`, 'chunk-size', String(size));
    }
    if (this.opts.signing) this.chunkHash = createHash('sha256');
    if (size > 0) {
      this.remaining = size;
      this.state = 'data';
      return;
    }
    // final, zero-length chunk
    if (this.opts.signing) this.verifyChunk(EMPTY_SHA256);
    this.crlfSeen = 0;
    this.state = this.opts.trailer ? 'trailer' : 'afterLast';
  }

  private endChunk(): void {
    if (!this.opts.signing) return;
    this.verifyChunk(this.chunkHash!.digest('hex'));
    for (const b of this.held) this.push(b);
    this.held = [];
  }

  private verifyChunk(dataHash: string): void {
    const s = this.opts.signing!;
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.prevSig}\n${EMPTY_SHA256}\n${dataHash}`;
    const expected = createHmac('sha256', s.signingKey).update(sts).digest('hex');
    if (!safeEqual(expected, this.chunkSig)) throw chunkMismatch(sts, this.chunkSig);
    this.prevSig = this.chunkSig;
  }

  private trailerLine(line: string): void {
    if (line === '') {
      // Some clients put an empty line between the final chunk and the trailers.
      if (this.trailerList.length === 0 && this.trailerSig === undefined && !this.skippedBlankBeforeTrailers) {
        this.skippedBlankBeforeTrailers = true;
        return;
      }
      this.endTrailers();
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedTrailer('trailer without a name');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw malformedTrailer('bad trailer name');
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === 'x-amz-trailer-signature') {
      if (this.trailerSig !== undefined) throw malformedTrailer('repeated trailer signature');
      this.trailerSig = value;
      return;
    }
    if (this.trailerSig !== undefined) throw malformedTrailer('trailer after the trailer signature');
    if (lower in this.trailerMap) throw malformedTrailer(`repeated trailer ${lower}`);
    if (this.trailerList.length >= MAX_TRAILERS) throw malformedTrailer('too many trailers');
    this.trailerList.push([lower, name, value]);
    this.trailerMap[lower] = value;
  }

  private endTrailers(): void {
    if (this.opts.signing) {
      const provided = this.trailerSig;
      if (provided === undefined) throw malformedTrailer('missing x-amz-trailer-signature');
      const s = this.opts.signing;
      const canonical = this.trailerList.map(([, name, value]) => `${name}:${value}\n`).join('');
      const sts = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${this.prevSig}\n${createHash('sha256').update(canonical).digest('hex')}`;
      const expected = createHmac('sha256', s.signingKey).update(sts).digest('hex');
      if (!safeEqual(expected, provided)) throw chunkMismatch(sts, provided);
    }
    for (const name of this.opts.declaredTrailers ?? []) {
      if (!(name in this.trailerMap)) throw malformedTrailer(`missing trailer ${name}`);
    }
    this.state = 'done';
  }

  private finish(): void {
    switch (this.state) {
      case 'size':
      case 'data':
      case 'dataEnd':
        throw incomplete();
      case 'trailer': {
        // Tolerate a missing final CRLF (or final empty line) after the last trailer.
        if (this.lineLen > 0) {
          if (this.lineSawCR) throw malformedTrailer('truncated trailer');
          const partial = Buffer.concat(this.line, this.lineLen).toString('latin1');
          this.line = [];
          this.lineLen = 0;
          this.trailerLine(partial);
        }
        if (this.opts.signing && this.trailerSig === undefined && this.trailerList.length === 0) throw incomplete();
        this.endTrailers();
        break;
      }
      case 'afterLast':
        if (this.crlfSeen === 1) throw malformed('truncated final CRLF');
        break; // missing final CRLF after the signed zero chunk is harmless
      case 'done':
        break;
    }
    if (this.opts.decodedContentLength !== undefined && this.decoded !== this.opts.decodedContentLength) throw incomplete();
  }
}
