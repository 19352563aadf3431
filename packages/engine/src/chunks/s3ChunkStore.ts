/**
 * Chunks as objects in another S3 service (`--chunks s3://BUCKET/PREFIX?endpoint=URL`): chunk
 * `<sha256>` is the object `PREFIX/ab/cd/<sha256>` (the same layout as the chunk files), so a
 * store keeps Cairn's content addressing and dedup; only where the bytes sit changes.
 *
 * - Durability: a PUT answered 200 is durable (S3's contract), so no fsync; the PUT carries
 *   `x-amz-checksum-sha256` (the chunk's name, free: it is its SHA-256), so the backing store
 *   itself refuses bytes that were damaged on the way.
 * - Reads fetch the whole chunk and check length and SHA-256 before handing out a byte (as the
 *   file store does): a damaged or replaced object is an InternalError, never wrong data. A
 *   ranged GET of the chunk object would save transfer for small ranges but could not be
 *   verified, so it is not used; chunks are 1 MiB by default.
 * - Locks and pins are the engine's (per process, mirrored into the database when the metadata
 *   is shared), exactly as for chunk files: GC and uploads coordinate the same way.
 * - The backing store being down or failing is ServiceUnavailable (503, which SDKs retry) on
 *   the request that needed it; nothing is committed without its chunks, so nothing
 *   acknowledged is lost. Its address never reaches clients (it is the server's business).
 *
 * The AWS SDK is loaded on first use, so engines without an s3:// store never load it.
 */
import { HeldChunk } from './hashPool';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Error, internalError, isS3Error, s3Error } from '../errors';
import { KeyedMutex, PinSet } from '../meta/locks';
import type { BackendPins, ChunkBackend, ChunkVerdict, StoredChunk } from './chunkBackend';

/** Where an s3:// chunk store lives (parseS3ChunkUrl). */
export interface S3ChunkLocation {
  bucket: string;
  /** Key prefix without leading/trailing slashes ('' = the bucket's root). */
  prefix: string;
  /** The service's URL; undefined = AWS S3 of `region`. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Upper bound of one request to the store, its SDK retries included (`timeout=SECONDS`). */
  timeoutMs: number;
}

/** Default bound of one chunk-store request: a hung store fails the request (and frees GC's fence) instead of holding it. */
export const DEFAULT_S3_CHUNK_TIMEOUT_MS = 30_000;

export interface S3ChunkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const HASH_RE = /^[0-9a-f]{64}$/;

export function isS3ChunkUrl(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/**
 * `s3://BUCKET[/PREFIX][?endpoint=URL][&region=R][&forcePathStyle=true|false][&timeout=SECONDS]`. Credentials are
 * never part of the URL (they would end up in process listings and logs): the engine option
 * `chunkCredentials`, else the AWS SDK's default chain. Path-style addressing is the default
 * when an endpoint is given (MinIO, Ceph RGW, Garage, another Cairn), virtual-hosted for AWS.
 */
export function parseS3ChunkUrl(location: string): S3ChunkLocation {
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    throw new TypeError(`chunk store: not a URL: ${location}`);
  }
  if (u.protocol !== 's3:') throw new TypeError(`chunk store: expected s3://BUCKET/PREFIX?endpoint=URL, got ${location}`);
  if (u.username || u.password) {
    throw new TypeError('chunk store: credentials do not go in the s3:// URL; set CAIRN_CHUNKS_ACCESS_KEY_ID / CAIRN_CHUNKS_SECRET_ACCESS_KEY');
  }
  const bucket = u.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new TypeError(`chunk store: invalid bucket name "${bucket}" in ${location}`);
  const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  const known = new Set(['endpoint', 'region', 'forcePathStyle', 'timeout']);
  for (const k of u.searchParams.keys()) if (!known.has(k)) throw new TypeError(`chunk store: unknown parameter "${k}" (known: ${[...known].join(', ')})`);
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new TypeError('chunk store: endpoint must be an http(s):// URL');
  if (endpoint !== undefined && /^https?:\/\/[^/]*@/.test(endpoint)) {
    // Never echoed: the message must not carry what looks like a secret.
    throw new TypeError('chunk store: credentials do not go in the endpoint URL; set CAIRN_CHUNKS_ACCESS_KEY_ID / CAIRN_CHUNKS_SECRET_ACCESS_KEY');
  }
  const fps = u.searchParams.get('forcePathStyle');
  if (fps !== null && fps !== 'true' && fps !== 'false') throw new TypeError(`chunk store: forcePathStyle must be true or false, got ${fps}`);
  const timeout = u.searchParams.get('timeout');
  const timeoutS = timeout === null ? DEFAULT_S3_CHUNK_TIMEOUT_MS / 1000 : Number(timeout);
  if (!(timeoutS > 0 && timeoutS <= 3600)) throw new TypeError(`chunk store: timeout must be a number of seconds in (0, 3600], got ${timeout}`);
  return {
    bucket,
    prefix,
    endpoint,
    region: u.searchParams.get('region') || 'us-east-1',
    forcePathStyle: fps === null ? endpoint !== undefined : fps === 'true',
    timeoutMs: Math.round(timeoutS * 1000),
  };
}

/** The URL without anything secret (there is nothing secret in it: credentials are not allowed). */
export function describeS3Location(l: S3ChunkLocation): string {
  return `s3://${l.bucket}/${l.prefix}${l.endpoint ? ` at ${l.endpoint}` : ` (AWS ${l.region})`}`;
}

type Sdk = typeof import('@aws-sdk/client-s3');
let sdkLoad: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdkLoad ??= import('@aws-sdk/client-s3'));

/** Node network failures that mean "the chunk store is not reachable right now". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
}

/**
 * A backing-store failure as the S3 error the client gets: unreachable, timing out or answering
 * 5xx is ServiceUnavailable (transient: SDKs retry it); a refusal (4xx: wrong credentials, no
 * such bucket) is InternalError naming the backing store's code.
 */
export function backendFailure(e: unknown, what: string): S3Error {
  if (isS3Error(e)) return e;
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err?.$metadata?.httpStatusCode;
  // The SDK re-wraps errors from another realm (e.g. under jest) keeping only the message.
  const netCode = typeof err?.code === 'string' ? err.code : /\b(E[A-Z]{4,})\b/.exec(err?.message ?? '')?.[1];
  const code = netCode ?? err?.name ?? 'Error';
  if (
    (netCode !== undefined && UNREACHABLE.has(netCode)) ||
    /socket hang up/.test(err?.message ?? '') ||
    err?.name === 'TimeoutError' ||
    err?.name === 'RequestTimeout' ||
    err?.name === 'AbortError' || // our own per-request bound (S3ChunkStore.send)
    (status !== undefined && status >= 500)
  ) {
    return s3Error('ServiceUnavailable', `The chunk store is unavailable (${code}) while ${what}; retry later.`);
  }
  return internalError(`The chunk store refused ${what} (${code}${status ? ` ${status}` : ''}).`);
}

export class S3ChunkStore implements ChunkBackend {
  readonly locks = new KeyedMutex();
  readonly pins = new PinSet();
  private shared: BackendPins | undefined;
  private client: Promise<{ sdk: Sdk; s3: S3Client }> | undefined;
  private readonly keyPrefix: string;

  constructor(
    readonly location: S3ChunkLocation,
    private readonly credentials?: S3ChunkCredentials,
  ) {
    this.keyPrefix = location.prefix ? `${location.prefix}/` : '';
  }

  /** As ChunkStore.shareWith: a hash is pinned in the database before the existence check, unpinned with its last local pin. */
  shareWith(pins: BackendPins): void {
    this.shared = pins;
    this.pins.onReleased = (hash) => {
      void this.locks
        .run(hash, async () => {
          if (!this.pins.has(hash)) await pins.unpin(hash);
        })
        .catch(() => undefined); // the row expires on its own
    };
  }

  private s3(): Promise<{ sdk: Sdk; s3: S3Client }> {
    this.client ??= loadSdk().then((sdk) => {
      const l = this.location;
      const s3 = new sdk.S3Client({
        region: l.region,
        ...(l.endpoint ? { endpoint: l.endpoint } : {}),
        forcePathStyle: l.forcePathStyle,
        ...(this.credentials ? { credentials: this.credentials } : {}),
        // Reads are verified against the SHA-256 in the chunk's name; writes carry that checksum.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
        // A backing store that stops answering fails the request instead of hanging it (and
        // bounded(): each request as a whole, retries included).
        requestHandler: { connectionTimeout: Math.min(5_000, l.timeoutMs), requestTimeout: Math.min(60_000, l.timeoutMs) },
      });
      return { sdk, s3 };
    });
    return this.client;
  }

  /** Options for one request: aborted after the location's timeout, SDK retries included. */
  private bounded(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.location.timeoutMs) };
  }

  keyOf(hash: string): string {
    return `${this.keyPrefix}${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
  }

  /**
   * Checks the bucket answers and the credentials can do what chunk writes need, so a wrong URL
   * or missing permission fails the start, not every upload later with a 500. The probe is a HEAD
   * of a random key under the prefix (what put's dedup check does): it must answer 404. S3 answers
   * 403 instead when the credentials lack s3:ListBucket on the bucket (AWS hides whether a key
   * exists from callers who may not list it), and HeadBucket needs s3:ListBucket too.
   */
  async init(): Promise<void> {
    const { sdk, s3 } = await this.s3();
    const fail = (why: string, cause: unknown): Error => new Error(`chunk store ${describeS3Location(this.location)}: ${why}`, { cause });
    const probeKey = `${this.keyPrefix}cairn-probe-${randomBytes(8).toString('hex')}`;
    const status = (e: unknown): number | undefined => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const other = (e: unknown): string => {
      const err = e as { name?: string; code?: string };
      return `${err.code ?? err.name ?? 'error'}${status(e) ? ` ${status(e)}` : ''}`;
    };
    try {
      await s3.send(new sdk.HeadBucketCommand({ Bucket: this.location.bucket }), this.bounded());
    } catch (e) {
      if (status(e) === 404) throw fail('the bucket does not exist (create it first)', e);
      if (status(e) !== 403) throw fail(other(e), e);
      throw fail(await this.denied(probeKey, 'HeadBucket'), e);
    }
    try {
      await s3.send(new sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: probeKey }), this.bounded());
    } catch (e) {
      if (isNotFound(e)) return; // the answer a chunk write's existence check relies on
      if (status(e) === 403) throw fail(await this.denied(probeKey, 'HEAD of a missing chunk object'), e);
      throw fail(other(e), e);
    }
  }

  /**
   * Why a probe was refused with 403. HEAD answers carry no error code, so a GET of the same
   * missing key tells wrong credentials (InvalidAccessKeyId, SignatureDoesNotMatch) from a
   * missing permission (AccessDenied).
   */
  private async denied(probeKey: string, what: string): Promise<string> {
    const { sdk, s3 } = await this.s3();
    const code = await s3.send(new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: probeKey }), this.bounded()).then(
      () => undefined,
      (e: { name?: string; Code?: string }) => e.Code ?? e.name,
    );
    if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'ExpiredToken' || code === 'InvalidToken') {
      return `access denied: ${code} (check CAIRN_CHUNKS_ACCESS_KEY_ID / CAIRN_CHUNKS_SECRET_ACCESS_KEY)`;
    }
    return (
      `access denied for ${what}: the credentials lack s3:ListBucket on bucket ${this.location.bucket} ` +
      `(without it S3 answers 403 instead of 404 for a missing key, and every chunk write would fail); ` +
      `grant s3:ListBucket on the bucket and s3:GetObject, s3:PutObject, s3:DeleteObject on its objects`
    );
  }

  async put(hash: string, chunk: Buffer | HeldChunk): Promise<boolean> {
    return this.locks.run(hash, async () => {
      if (this.shared) await this.shared.pin(hash);
      const data = chunk instanceof HeldChunk ? await chunk.take() : chunk;
      const { sdk, s3 } = await this.s3();
      try {
        // Present with the right size: dedup. A wrong size (damaged out of band) is rewritten.
        if ((await this.headSize(hash)) === data.length) return false;
        await s3.send(
          new sdk.PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.keyOf(hash),
            Body: data,
            ContentLength: data.length,
            ChecksumSHA256: Buffer.from(hash, 'hex').toString('base64'),
          }),
          this.bounded(),
        );
      } catch (e) {
        throw backendFailure(e, "writing the object's data");
      }
      return true;
    });
  }

  async read(hash: string, size: number): Promise<Buffer> {
    const { sdk, s3 } = await this.s3();
    let data: Buffer | undefined;
    try {
      const opts = this.bounded();
      const out = await s3.send(new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(hash) }), opts);
      data = await readExactly(within(out.Body as Readable, opts.abortSignal), size);
    } catch (e) {
      if (isNotFound(e)) throw internalError(`chunk ${hash} is missing`);
      throw backendFailure(e, "reading the object's data");
    }
    if (!data || createHash('sha256').update(data).digest('hex') !== hash) throw internalError(`chunk ${hash} is corrupt`);
    return data;
  }

  /**
   * fsck --deep: streams the object through SHA-256 and says what is wrong with it (as fsck's
   * verifyFile for files). Corrupt only when the whole object arrived (as many bytes as the
   * response announced) and its length or hash is wrong; any failure to get it (store down,
   * timeout, 5xx, a transfer cut short, 403, 404) is unreadable: a verdict on the transfer, not on
   * the stored bytes.
   */
  async verify(hash: string, size: number, onBytes: (n: number) => void): Promise<ChunkVerdict> {
    const { sdk, s3 } = await this.s3();
    const h = createHash('sha256');
    let n = 0;
    let announced: number | undefined;
    try {
      const opts = this.bounded();
      const out = await s3.send(new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(hash) }), opts);
      announced = out.ContentLength;
      for await (const piece of within(out.Body as Readable, opts.abortSignal)) {
        h.update(piece as Buffer);
        n += (piece as Buffer).length;
        onBytes((piece as Buffer).length);
      }
    } catch (e) {
      if (isNotFound(e)) return { kind: 'unreadable', detail: 'object missing (listed, then not found)' };
      return { kind: 'unreadable', detail: `unreadable: ${backendFailure(e, 'reading a chunk').message}` };
    }
    if (announced !== undefined && n !== announced) return { kind: 'unreadable', detail: `transfer cut short (${n} of ${announced} bytes)` };
    if (n !== size) return { kind: 'corrupt', detail: `object holds ${n} bytes, expected ${size}` };
    const got = h.digest('hex');
    return got === hash ? undefined : { kind: 'corrupt', detail: `content hashes to ${got}` };
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      return await this.headSize(hash);
    } catch (e) {
      throw backendFailure(e, 'looking up a chunk');
    }
  }

  async exists(hash: string): Promise<boolean> {
    return (await this.size(hash)) !== undefined;
  }

  /** Deletes the object. S3's DELETE does not say whether it existed, so this answers true. */
  async remove(hash: string): Promise<boolean> {
    const { sdk, s3 } = await this.s3();
    try {
      await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(hash) }), this.bounded());
    } catch (e) {
      if (isNotFound(e)) return false;
      throw backendFailure(e, 'deleting a chunk');
    }
    return true;
  }

  /** ListObjectsV2 over the prefix: keys sort like hashes (ab/cd/abcd…), so the walk is in hash order. */
  async *walk(after?: string): AsyncGenerator<StoredChunk> {
    const { sdk, s3 } = await this.s3();
    let token: string | undefined;
    do {
      const page = await s3
        .send(
          new sdk.ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: this.keyPrefix || undefined,
            ...(token ? { ContinuationToken: token } : after ? { StartAfter: this.keyOf(after) } : {}),
          }),
          this.bounded(),
        )
        .catch((e: unknown) => {
          throw backendFailure(e, 'listing chunks');
        });
      for (const o of page.Contents ?? []) {
        const hash = o.Key?.slice(this.keyPrefix.length).split('/')[2];
        if (!hash || !HASH_RE.test(hash) || o.Key !== this.keyOf(hash) || (after !== undefined && hash <= after)) continue;
        yield { hash, size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async headSize(hash: string): Promise<number | undefined> {
    const { sdk, s3 } = await this.s3();
    try {
      const h = await s3.send(new sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(hash) }), this.bounded());
      return h.ContentLength;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
}

/** The body, destroyed (so its reader fails) when the request's bound passes mid-transfer. */
function within(body: Readable, signal: AbortSignal): Readable {
  if (signal.aborted) body.destroy(Object.assign(new Error('chunk store request timed out'), { name: 'TimeoutError' }));
  else {
    const stop = (): void => void body.destroy(Object.assign(new Error('chunk store request timed out'), { name: 'TimeoutError' }));
    signal.addEventListener('abort', stop, { once: true });
    body.once('close', () => signal.removeEventListener('abort', stop));
  }
  return body;
}

/** The body into one buffer of `size` bytes; undefined when it holds more or fewer. */
async function readExactly(body: Readable, size: number): Promise<Buffer | undefined> {
  const out = Buffer.allocUnsafe(size);
  let n = 0;
  for await (const piece of body) {
    const b = piece as Buffer;
    if (n + b.length > size) {
      body.destroy();
      return undefined;
    }
    b.copy(out, n);
    n += b.length;
  }
  return n === size ? out : undefined;
}
