/**
 * The two non-Cairn targets, each run as its own child process (`bench.js --serve-bare ...`,
 * `bench.js --serve-s3rver ...`) so its RSS and CPU can be measured like Cairn's.
 *
 * The bare server is the ceiling of Node's HTTP stack on the machine: PUT sinks the body and
 * answers 200 with an ETag, GET answers a slice of a pre-allocated pool (the same deterministic pool
 * the client generates, so the client still checks every byte), HEAD answers headers, DELETE 204,
 * ListObjectsV2 answers pre-built pages, multipart answers the minimal XML a client needs.
 * It authenticates nothing and stores only object sizes.
 */
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { makePool } from './data';
import { listKey, LIST_PAGE } from './keys';

const FIXED_ETAG = '"0123456789abcdef0123456789abcdef"';
const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 GMT';

function buildListPages(bucket: string, nKeys: number): Buffer[] {
  const pages: Buffer[] = [];
  const nPages = Math.max(1, Math.ceil(nKeys / LIST_PAGE));
  for (let p = 0; p < nPages; p++) {
    const last = p === nPages - 1;
    let xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${bucket}</Name><Prefix>list/</Prefix><MaxKeys>${LIST_PAGE}</MaxKeys>`;
    const from = p * LIST_PAGE;
    const to = Math.min(nKeys, from + LIST_PAGE);
    xml += `<KeyCount>${to - from}</KeyCount><IsTruncated>${last ? 'false' : 'true'}</IsTruncated>`;
    if (p > 0) xml += `<ContinuationToken>${p}</ContinuationToken>`;
    if (!last) xml += `<NextContinuationToken>${p + 1}</NextContinuationToken>`;
    for (let i = from; i < to; i++) {
      xml +=
        `<Contents><Key>${listKey(i)}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>` +
        `<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }
    xml += '</ListBucketResult>';
    pages.push(Buffer.from(xml));
  }
  return pages;
}

export interface BareOptions {
  port: number;
  host: string;
  listKeys: number;
}

export function startBareServer(opts: BareOptions): Promise<http.Server> {
  const pool = makePool();
  const sizes = new Map<string, number>(); // object path -> size
  const uploads = new Map<string, number>(); // uploadId -> bytes so far
  let uploadSeq = 0;
  let listPages: Buffer[] | undefined;
  let listBucket = '';

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const slash = path.indexOf('/', 1);
    const bucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
    const isObject = slash >= 0 && slash < path.length - 1;
    const method = req.method;

    if (method === 'PUT' || method === 'POST') {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        if (method === 'PUT') {
          const uploadId = params.get('uploadId');
          if (uploadId !== null) uploads.set(uploadId, (uploads.get(uploadId) ?? 0) + n);
          else if (isObject) sizes.set(path, n);
          res.writeHead(200, { etag: FIXED_ETAG, 'content-length': 0 });
          res.end();
          return;
        }
        // POST: multipart create / complete
        let xml: string;
        if (params.has('uploads')) {
          const id = `bare-upload-${++uploadSeq}`;
          uploads.set(id, 0);
          xml =
            '<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
            `<Bucket>${bucket}</Bucket><Key>${path.slice(slash + 1)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`;
        } else {
          const id = params.get('uploadId') ?? '';
          sizes.set(path, uploads.get(id) ?? 0);
          uploads.delete(id);
          xml =
            '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
            `<Bucket>${bucket}</Bucket><Key>${path.slice(slash + 1)}</Key><ETag>&quot;0123456789abcdef0123456789abcdef-1&quot;</ETag></CompleteMultipartUploadResult>`;
        }
        const body = Buffer.from(xml);
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': body.length });
        res.end(body);
      });
      return;
    }
    req.resume();
    if (method === 'DELETE') {
      const uploadId = params.get('uploadId');
      if (uploadId !== null) uploads.delete(uploadId);
      else sizes.delete(path);
      res.writeHead(204);
      res.end();
      return;
    }
    if (method === 'GET' && !isObject) {
      if (params.get('list-type') === '2') {
        if (!listPages || listBucket !== bucket) {
          listPages = buildListPages(bucket, opts.listKeys);
          listBucket = bucket;
        }
        const token = Number(params.get('continuation-token') ?? '0') || 0;
        const page = listPages[Math.min(token, listPages.length - 1)];
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': page.length });
        res.end(page);
        return;
      }
      const body = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>');
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': body.length });
      res.end(body);
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const size = sizes.get(path);
      if (size === undefined) {
        res.writeHead(404, { 'content-length': 0 });
        res.end();
        return;
      }
      const headers = {
        'content-length': size,
        etag: FIXED_ETAG,
        'last-modified': LAST_MODIFIED,
        'content-type': 'application/octet-stream',
      };
      res.writeHead(200, headers);
      if (method === 'HEAD') {
        res.end();
        return;
      }
      // serve the pool (repeated if the object is larger than the pool)
      if (size <= pool.length) {
        res.end(pool.subarray(0, size));
        return;
      }
      let left = size;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, pool.length);
          left -= n;
          if (!res.write(pool.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    res.writeHead(405, { 'content-length': 0 });
    res.end();
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  });
}

export interface S3rverOptions {
  port: number;
  host: string;
  directory: string;
}

/** Starts s3rver (resolved at run time from this file's location / the cwd; never bundled). */
export async function startS3rver(opts: S3rverOptions): Promise<void> {
  const req = createRequire(__filename);
  let resolved: string;
  try {
    resolved = req.resolve('s3rver', { paths: [__dirname, process.cwd()] });
  } catch {
    throw new Error('s3rver is not installed (it is a root devDependency: run npm install)');
  }
  const S3rver = req(resolved);
  const instance = new S3rver({
    port: opts.port,
    address: opts.host,
    silent: true,
    directory: opts.directory,
  });
  await instance.run();
}

/** Child-process entry: `--serve-bare` / `--serve-s3rver`. Resolves once listening. */
export async function serveChild(argv: string[]): Promise<void> {
  const get = (name: string, dflt?: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const port = Number(get('--port', '0'));
  const host = get('--host', '127.0.0.1') as string;
  const exit = () => process.exit(0);
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  if (argv.includes('--serve-bare')) {
    await startBareServer({ port, host, listKeys: Number(get('--list-keys', '10000')) });
  } else {
    await startS3rver({ port, host, directory: get('--dir') as string });
  }
}
