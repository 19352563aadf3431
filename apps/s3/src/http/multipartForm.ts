/**
 * A small streaming multipart/form-data reader (RFC 7578) for POST Object.
 *
 * Pull-based: `nextPart()` parses the next part's headers; a field's value is read whole with
 * `readField(limit)`, the file's bytes are consumed as an async iterable from `partBody()` (so
 * the engine pulls them straight from the socket: backpressure, nothing buffered beyond one
 * network chunk plus the delimiter length). Malformed input is MalformedPOSTRequest.
 */
import { s3Error } from '../errors';

export interface PartHeaders {
  /** Form field name (as sent). */
  name: string;
  /** Present on file parts (possibly ''). */
  filename?: string;
  contentType?: string;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_PART_HEADER_BYTES = 16 * 1024;

const malformed = (why: string) => s3Error('MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data. (${why})`);

/** The boundary parameter of a multipart/form-data Content-Type, or undefined when it is not one. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(';');
  if (type.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq === -1) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v.length > 0 && v.length <= 200 ? v : undefined;
  }
  return undefined;
}

/** `form-data; name="a"; filename="b.txt"` → { name, filename }. */
export function parseContentDisposition(value: string): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  const re = /;\s*([A-Za-z0-9*_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = m[1].toLowerCase();
    // Only \" and \\ are unescaped: browsers send Windows paths (C:\dir\f) unescaped.
    const v = m[2] !== undefined ? m[2].replace(/\\(["\\])/g, '$1') : m[3].trim();
    if (key === 'name') out.name = v;
    else if (key === 'filename') out.filename = v;
  }
  return out;
}

export class MultipartFormReader {
  private buf: Buffer;
  private ended = false;
  private readonly delimiter: Buffer;
  private readonly input: AsyncIterator<Buffer | Uint8Array | string>;
  /** True once the closing delimiter was seen. */
  done = false;
  private inBody = false;
  private started = false;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>, boundary: string) {
    this.input = source[Symbol.asyncIterator]();
    this.delimiter = Buffer.from('\r\n--' + boundary);
    // A leading CRLF lets the first boundary (at the very start) match the same delimiter.
    this.buf = Buffer.from(CRLF);
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.input.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    const v = r.value;
    const b = typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v);
    this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
    return true;
  }

  /** Bytes up to the next delimiter (then consumes it), in pieces as they arrive. */
  private async *bodyUntilDelimiter(): AsyncGenerator<Buffer> {
    const d = this.delimiter;
    for (;;) {
      const i = this.buf.indexOf(d);
      if (i !== -1) {
        if (i > 0) yield this.buf.subarray(0, i);
        this.buf = this.buf.subarray(i + d.length);
        return;
      }
      // Keep a tail that could be the start of a delimiter split across chunks.
      const safe = this.buf.length - (d.length - 1);
      if (safe > 0) {
        yield this.buf.subarray(0, safe);
        this.buf = this.buf.subarray(safe);
      }
      if (!(await this.pull())) throw malformed('unexpected end of the body');
    }
  }

  /** After a delimiter: "--" closes the form, CRLF starts a part (transport padding allowed). */
  private async afterDelimiter(): Promise<boolean> {
    while (this.buf.length < 2) if (!(await this.pull())) throw malformed('unexpected end after a boundary');
    if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
      this.done = true;
      return false;
    }
    for (;;) {
      const i = this.buf.indexOf(CRLF);
      if (i !== -1) {
        if (this.buf.subarray(0, i).toString('latin1').trim() !== '') throw malformed('garbage after a boundary');
        this.buf = this.buf.subarray(i + 2);
        return true;
      }
      if (this.buf.length > 1024) throw malformed('garbage after a boundary');
      if (!(await this.pull())) throw malformed('unexpected end after a boundary');
    }
  }

  /** Headers of the next part, or undefined at the end of the form. The previous part's body must have been read. */
  async nextPart(): Promise<PartHeaders | undefined> {
    if (this.done) return undefined;
    if (this.inBody) throw new Error('previous part not consumed');
    if (!this.started) {
      this.started = true;
      for await (const _preamble of this.bodyUntilDelimiter()) void _preamble; // preamble is ignored
    }
    if (!(await this.afterDelimiter())) return undefined;
    // Headers end with an empty line; a part starting with one has no headers (so no name).
    let end: number;
    while ((end = this.buf.indexOf(HEADER_END)) === -1) {
      if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) throw malformed('a part without headers');
      if (this.buf.length > MAX_PART_HEADER_BYTES) throw malformed('part headers too large');
      if (!(await this.pull())) throw malformed('unexpected end in part headers');
    }
    const headerText = this.buf.subarray(0, end).toString('utf8');
    this.buf = this.buf.subarray(end + 4);
    const part: PartHeaders = { name: '' };
    let disposition: string | undefined;
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const hname = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (hname === 'content-disposition') disposition = value;
      else if (hname === 'content-type') part.contentType = value;
    }
    if (!disposition || !/^form-data\b/i.test(disposition)) throw malformed('a part without Content-Disposition: form-data');
    const d = parseContentDisposition(disposition);
    if (d.name === undefined) throw malformed('a part without a name');
    part.name = d.name;
    if (d.filename !== undefined) part.filename = d.filename;
    this.inBody = true;
    return part;
  }

  /** The current part's bytes, streamed. Must be consumed fully before nextPart(). */
  async *partBody(): AsyncGenerator<Buffer> {
    if (!this.inBody) throw new Error('no current part');
    yield* this.bodyUntilDelimiter();
    this.inBody = false;
  }

  /** Reads and discards the rest of the input (what follows the file is ignored). */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (await this.pull()) this.buf = Buffer.alloc(0);
    this.done = true;
  }

  /** The current part's value (a form field), at most `limit` bytes (else `tooLarge`). */
  async readField(limit: number, tooLarge: () => Error): Promise<string> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const b of this.partBody()) {
      size += b.length;
      if (size > limit) throw tooLarge();
      parts.push(Buffer.from(b));
    }
    return Buffer.concat(parts).toString('utf8');
  }
}
