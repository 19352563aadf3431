/**
 * The console's calls: JSON endpoints of the admin port (`/console/api/*`, `/admin/*`) and the
 * S3 API through the admin port's proxy (`/console/s3/...`, re-signed server-side with the
 * signed-in user's key). Every call carries the console header (the server's CSRF guard); the
 * session itself is an HttpOnly cookie this code never sees.
 */
export const CONSOLE_HEADERS = { 'x-cairn-console': '1' };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { ...CONSOLE_HEADERS, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new ApiError(res.status, json.error?.code ?? 'Error', json.error?.message ?? res.statusText);
  return json as T;
}

/** Encodes a key for a path, keeping its slashes. */
export const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');
export const s3Path = (bucket?: string, key?: string) =>
  '/console/s3/' + (bucket ? encodeURIComponent(bucket) + (key !== undefined ? '/' + encodeKey(key) : '') : '');

function query(q?: Record<string, string | undefined>): string {
  if (!q) return '';
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v!)}`));
  return parts.length ? '?' + parts.join('&') : '';
}

export function parseXml(text: string): Document {
  return new DOMParser().parseFromString(text, 'application/xml');
}
/** Text of the first descendant element named `name` (namespace-agnostic). */
export const xtext = (n: Element | Document, name: string): string | undefined => n.getElementsByTagName(name)[0]?.textContent ?? undefined;
export const xall = (n: Element | Document, name: string): Element[] => Array.from(n.getElementsByTagName(name));

async function s3Error(res: Response): Promise<ApiError> {
  const text = await res.text();
  if (text.startsWith('{')) {
    const j = JSON.parse(text);
    return new ApiError(res.status, j.error?.code ?? 'Error', j.error?.message ?? res.statusText);
  }
  const doc = text ? parseXml(text) : undefined;
  return new ApiError(res.status, (doc && xtext(doc, 'Code')) ?? String(res.status), (doc && xtext(doc, 'Message')) ?? res.statusText);
}

/** One S3 request through the proxy; S3 errors become ApiError(code, message). */
export async function s3(
  method: string,
  path: string,
  q?: Record<string, string | undefined>,
  body?: BodyInit,
  headers: Record<string, string> = {},
): Promise<Response> {
  const res = await fetch(path + query(q), { method, credentials: 'same-origin', headers: { ...CONSOLE_HEADERS, ...headers }, body });
  if (!res.ok) throw await s3Error(res);
  return res;
}
export async function s3Xml(
  method: string,
  path: string,
  q?: Record<string, string | undefined>,
  body?: BodyInit,
  headers?: Record<string, string>,
): Promise<Document> {
  return parseXml(await (await s3(method, path, q, body, headers)).text());
}

// ---- uploads: one PUT up to MULTIPART_THRESHOLD, multipart above (parts of PART_SIZE)

export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
export const PART_SIZE = 8 * 1024 * 1024;

function xhrPut(url: string, body: Blob, contentType: string | undefined, onProgress: (loaded: number) => void): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('x-cairn-console', '1');
    if (contentType) xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
      else {
        const doc = parseXml(xhr.responseText || '<x/>');
        reject(new ApiError(xhr.status, xtext(doc, 'Code') ?? String(xhr.status), xtext(doc, 'Message') ?? xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'NetworkError', 'the upload failed (network error)'));
    xhr.send(body);
  });
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Uploads a file; `onProgress(sentBytes, totalBytes)` follows the bytes on the wire. */
export async function uploadFile(bucket: string, key: string, file: File, onProgress: (sent: number, total: number) => void): Promise<void> {
  const path = s3Path(bucket, key);
  const type = file.type || 'application/octet-stream';
  if (file.size <= MULTIPART_THRESHOLD) {
    await xhrPut(path, file, type, (n) => onProgress(n, file.size));
    onProgress(file.size, file.size);
    return;
  }
  const init = await s3Xml('POST', path, { uploads: '' }, undefined, { 'content-type': type });
  const uploadId = xtext(init, 'UploadId')!;
  const parts: { n: number; etag: string }[] = [];
  let done = 0;
  try {
    for (let n = 1, off = 0; off < file.size; n++, off += PART_SIZE) {
      const blob = file.slice(off, Math.min(off + PART_SIZE, file.size));
      const xhr = await xhrPut(path + query({ partNumber: String(n), uploadId }), blob, undefined, (loaded) => onProgress(done + loaded, file.size));
      done += blob.size;
      onProgress(done, file.size);
      parts.push({ n, etag: xhr.getResponseHeader('etag') ?? '' });
    }
    const body = `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${xmlEscape(p.etag)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    await s3('POST', path, { uploadId }, body, { 'content-type': 'application/xml' });
  } catch (e) {
    await s3('DELETE', path, { uploadId }).catch(() => undefined);
    throw e;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
