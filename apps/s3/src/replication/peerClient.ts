/**
 * The HTTP client of one peer zone: SigV4-signed requests (UNSIGNED-PAYLOAD, so bodies stream)
 * with the peer's credentials, over node:http(s). Errors are classified for the replication
 * worker: `PeerError.transient` (peer down, 5xx, throttling, timeouts: retry later) or
 * permanent (the peer refused the version: 4xx such as NoSuchBucket or AccessDenied).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { parseStringPromise } from 'xml2js';
import type { ReplicaVersion } from '@cairn/engine';
import {
  ALGORITHM,
  SERVICE,
  TERMINATOR,
  UNSIGNED_PAYLOAD,
  canonicalRequest,
  formatAmzDate,
  getSigningKey,
  signHex,
  stringToSign,
  uriEncode,
} from '../auth/sigv4';
import type { Peer } from './peers';
import { REPLICA_MANIFEST_HEADER } from '../handlers/replication/replicateObject';

const TIMEOUT_MS = 60_000;

export class PeerError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface PeerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const TRANSIENT_CODES = new Set(['RequestTimeout', 'SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeTooSkewed']);

export class PeerClient {
  private readonly agent: http.Agent;

  constructor(
    readonly peer: Peer,
    private readonly defaultRegion: string,
  ) {
    this.agent = peer.endpoint.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 8 }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  close(): void {
    this.agent.destroy();
  }

  /** One signed request; `path` is already S3-encoded, `query` a raw query string. */
  private request(method: string, path: string, query: string, headers: Record<string, string>, body?: Buffer | Readable): Promise<PeerResponse> {
    const url = new URL(this.peer.endpoint);
    const region = this.peer.region ?? this.defaultRegion;
    const now = new Date();
    const amzDate = formatAmzDate(now);
    const scope = `${amzDate.slice(0, 8)}/${region}/${SERVICE}/${TERMINATOR}`;
    const h: Record<string, string> = { ...headers, host: url.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': UNSIGNED_PAYLOAD };
    const signed = Object.keys(h)
      .map((k) => k.toLowerCase())
      .sort();
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) lower[k.toLowerCase()] = v;
    const canonicalQuery = query
      .split('&')
      .filter(Boolean)
      .map((p) => (p.includes('=') ? p : `${p}=`))
      .sort()
      .join('&');
    const canonical = canonicalRequest(method, path, canonicalQuery, lower, signed, UNSIGNED_PAYLOAD);
    const signature = signHex(getSigningKey(this.peer.secretAccessKey, amzDate.slice(0, 8), region), stringToSign(amzDate, scope, canonical));
    lower.authorization = `${ALGORITHM} Credential=${this.peer.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<PeerResponse>((resolve, reject) => {
      const req = mod.request(
        {
          method,
          host: url.hostname,
          port: url.port || undefined,
          path: query ? `${path}?${query}` : path,
          headers: lower,
          agent: this.agent,
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (e) => reject(new PeerError(`peer ${this.peer.name}: ${e.message}`, true)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => reject(new PeerError(`peer ${this.peer.name} (${this.peer.endpoint}): ${e.message}`, true)));
      if (!body) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      }
    });
  }

  private async fail(r: PeerResponse, what: string): Promise<never> {
    let code: string | undefined;
    try {
      const doc = (await parseStringPromise(r.body.toString('utf8'))) as { Error?: { Code?: string[] } };
      code = doc?.Error?.Code?.[0];
    } catch {
      // not XML
    }
    const transient = r.status >= 500 || r.status === 429 || r.status === 408 || (code !== undefined && TRANSIENT_CODES.has(code));
    throw new PeerError(`peer ${this.peer.name}: ${what}: ${r.status}${code ? ` ${code}` : ''}`, transient, r.status, code);
  }

  /** Sends one version (ReplicateObject / ReplicateDelete, handlers/replication/replicateObject.ts). */
  async putReplica(bucket: string, key: string, version: ReplicaVersion, body?: Readable): Promise<{ created: boolean }> {
    const manifest = Buffer.from(JSON.stringify(version), 'utf8');
    const size = version.deleteMarker ? 0 : version.size;
    const path = `/${uriEncode(bucket, false)}/${uriEncode(key, true)}`;
    const { PassThrough } = await import('node:stream');
    let payload: Buffer | Readable = manifest;
    if (body) {
      const pt = new PassThrough();
      pt.write(manifest);
      body.on('error', (e) => pt.destroy(e));
      body.pipe(pt);
      payload = pt;
    }
    const r = await this.request(
      'PUT',
      path,
      version.deleteMarker ? 'x-cairn-replica-delete' : 'x-cairn-replica',
      { [REPLICA_MANIFEST_HEADER]: String(manifest.length), 'content-length': String(manifest.length + size) },
      payload,
    );
    if (r.status !== 200) return this.fail(r, `replicate ${bucket}/${key} ${version.versionId}`);
    return { created: r.headers['x-cairn-replica-created'] === 'true' };
  }

  /** GetBucketVersioning: 'Enabled' | 'Suspended' | undefined; NoSuchBucket → PeerError (permanent, code NoSuchBucket). */
  async bucketVersioning(bucket: string): Promise<string | undefined> {
    const r = await this.request('GET', `/${uriEncode(bucket, false)}`, 'versioning', {});
    if (r.status !== 200) return this.fail(r, `GetBucketVersioning ${bucket}`);
    const doc = (await parseStringPromise(r.body.toString('utf8'))) as { VersioningConfiguration?: { Status?: string[] } | string };
    const v = doc.VersioningConfiguration;
    return typeof v === 'object' ? v.Status?.[0] : undefined;
  }

  /** Every (key, versionId) of the bucket on the peer, page by page. */
  async *listVersions(bucket: string): AsyncGenerator<{ key: string; versionId: string }> {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const q = ['versions', 'encoding-type=url', 'max-keys=1000'];
      if (keyMarker !== undefined) q.push(`key-marker=${uriEncode(keyMarker, false)}`);
      if (versionMarker !== undefined) q.push(`version-id-marker=${uriEncode(versionMarker, false)}`);
      const r = await this.request('GET', `/${uriEncode(bucket, false)}`, q.join('&'), {});
      if (r.status !== 200) await this.fail(r, `ListObjectVersions ${bucket}`);
      type Entry = { Key?: string[]; VersionId?: string[] };
      const doc = (await parseStringPromise(r.body.toString('utf8'))) as {
        ListVersionsResult?: { Version?: Entry[]; DeleteMarker?: Entry[]; IsTruncated?: string[]; NextKeyMarker?: string[]; NextVersionIdMarker?: string[] };
      };
      const res = doc.ListVersionsResult ?? {};
      const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      for (const e of [...(res.Version ?? []), ...(res.DeleteMarker ?? [])]) {
        if (e.Key?.[0] !== undefined && e.VersionId?.[0]) yield { key: dec(e.Key[0]), versionId: e.VersionId[0] };
      }
      if (res.IsTruncated?.[0] !== 'true') return;
      keyMarker = res.NextKeyMarker?.[0] !== undefined ? dec(res.NextKeyMarker[0]) : undefined;
      versionMarker = res.NextVersionIdMarker?.[0];
    }
  }
}
