/**
 * The minimal S3 HTTP client of the load generator: node:http with a keep-alive Agent, path-style
 * URLs, SigV4 headers from sigv4.ts. No SDK, no XML library, nothing allocated per request beyond
 * what node:http needs.
 */
import * as http from 'node:http';
import { canonicalPath, canonicalQuery, EMPTY_SHA256, SigV4Signer, UNSIGNED_PAYLOAD } from './sigv4';
import { BLOCK, fillBody, MiB } from './data';

export interface Endpoint {
  host: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

/** A body streamed from the pool through small reusable scratch buffers. */
export interface StampedBody {
  kind: 'stamped';
  pool: Buffer;
  seed: number;
  /** body offset of the first byte (block-aligned) */
  offset: number;
  length: number;
}

export interface RequestOptions {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST';
  bucket: string;
  key?: string;
  query?: ReadonlyArray<readonly [string, string]>;
  /** extra headers (lowercase names); signed */
  headers?: Record<string, string>;
  body?: Buffer | StampedBody;
  /** receives every response body chunk of a 2xx response (nothing is kept) */
  onData?: (chunk: Buffer) => void;
  /** keep the response body (small responses: XML) */
  collect?: boolean;
  /** idle socket timeout (default 120 s) */
  timeoutMs?: number;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** response body bytes received */
  bytes: number;
  /** when collect was set (whole body), or for a non-2xx response (first 64 KiB) */
  body?: Buffer;
}

const STREAM_CHUNK = MiB; // multiple of BLOCK
const STREAM_BUFFERS = 4; // per in-flight request: bounds the generator's memory

/** Scratch buffers for streamed bodies, reused across requests. */
class ScratchPool {
  private free: Buffer[] = [];
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(STREAM_CHUNK);
  }
  give(b: Buffer): void {
    if (this.free.length < 64) this.free.push(b);
  }
}
const scratch = new ScratchPool();

export class S3HttpClient {
  readonly agent: http.Agent;
  readonly signer: SigV4Signer;
  private readonly hostHeader: string;

  constructor(
    readonly endpoint: Endpoint,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
    this.signer = new SigV4Signer(endpoint.accessKeyId, endpoint.secretAccessKey, endpoint.region ?? 'us-east-1');
    this.hostHeader = `${endpoint.host}:${endpoint.port}`;
  }

  close(): void {
    this.agent.destroy();
  }

  request(o: RequestOptions): Promise<Response> {
    const path = canonicalPath(o.bucket, o.key);
    const query = canonicalQuery(o.query);
    const body = o.body;
    const bodyLength = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    const headers: Record<string, string> = {
      host: this.hostHeader,
      'x-amz-date': this.signer.now(),
      'x-amz-content-sha256': body === undefined ? EMPTY_SHA256 : UNSIGNED_PAYLOAD,
      ...o.headers,
    };
    const authorization = this.signer.authorization({ method: o.method, path, query, headers });
    const sendHeaders: Record<string, string | number> = { ...headers, authorization };
    if (body !== undefined || o.method === 'PUT' || o.method === 'POST') sendHeaders['content-length'] = bodyLength;

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      };
      const req = http.request(
        {
          agent: this.agent,
          host: this.endpoint.host,
          port: this.endpoint.port,
          method: o.method,
          path: query ? path + '?' + query : path,
          headers: sendHeaders,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          let bytes = 0;
          const keep = o.collect || !ok;
          const parts: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (ok && o.onData) o.onData(chunk);
            if (keep && (o.collect || kept < 64 * 1024)) {
              parts.push(chunk);
              kept += chunk.length;
            }
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ status, headers: res.headers, bytes, body: keep ? Buffer.concat(parts) : undefined });
          });
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('response aborted')));
        },
      );
      req.on('error', fail);
      req.setTimeout(o.timeoutMs ?? 120_000, () => req.destroy(new Error('request timed out')));
      if (body === undefined) {
        req.end();
      } else if (Buffer.isBuffer(body)) {
        req.end(body);
      } else {
        streamBody(req, body).catch(fail);
      }
    });
  }
}

/**
 * Writes a stamped body in 1 MiB pieces: each piece is filled from the pool into a scratch buffer
 * (one memcpy), which goes back to the scratch pool once the socket has written it. At most
 * STREAM_BUFFERS pieces are in flight per request.
 */
async function streamBody(req: http.ClientRequest, body: StampedBody): Promise<void> {
  if (body.offset % BLOCK !== 0) throw new Error('body offset must be block-aligned');
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let dead = false;
  const onGone = () => {
    dead = true;
    wake?.();
  };
  req.once('close', onGone);
  req.once('error', onGone);
  for (let pos = 0; pos < body.length && !dead;) {
    while (inFlight >= STREAM_BUFFERS && !dead) await new Promise<void>((r) => (wake = r));
    if (dead) break;
    const n = Math.min(STREAM_CHUNK, body.length - pos);
    const buf = scratch.take();
    fillBody(body.pool, body.seed, body.offset + pos, buf, n);
    inFlight++;
    req.write(n === buf.length ? buf : buf.subarray(0, n), () => {
      inFlight--;
      scratch.give(buf);
      const w = wake;
      wake = undefined;
      w?.();
    });
    pos += n;
  }
  req.removeListener('close', onGone);
  req.removeListener('error', onGone);
  if (!dead) req.end();
}

/** `<Code>` of an S3 error document (or the HTTP status). */
export function errorCode(res: Response): string {
  const text = res.body?.toString('utf8') ?? '';
  const m = /<Code>([^<]*)<\/Code>/.exec(text);
  return m ? `${res.status} ${m[1]}` : `HTTP ${res.status}`;
}

/** Text of the first `<tag>` in an XML document (no XML library in the bench). */
export function xmlTag(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m ? decodeXml(m[1]) : undefined;
}

export function xmlTags(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  const out: string[] = [];
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(decodeXml(m[1]));
  return out;
}

export function decodeXml(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}
