/**
 * The shared machinery behind the S3 document codecs: an xml2js Builder configured the way
 * S3 writes documents, and an xml2js Parser whose output the codecs normalise once.
 *
 * Codecs (one file per S3 shape) build a plain `XmlObject` in S3's element order and call
 * `buildXml`; request-body codecs call `parseXml` and read it with the helpers below.
 */
import { Builder, Parser } from 'xml2js';
import { s3Error } from '../errors';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export type XmlScalar = string | number | boolean | Date;
export type XmlValue = XmlScalar | XmlObject | XmlValue[] | undefined | null;
export interface XmlObject {
  [element: string]: XmlValue;
}

/** S3 timestamps in XML: ISO 8601 with milliseconds, UTC ("2009-10-12T17:50:30.000Z"). */
export function xmlTimestamp(d: Date): string {
  return d.toISOString();
}

// Characters XML 1.0 cannot carry literally (keys may contain them). They are written as
// numeric character references, as S3 does. xmlbuilder refuses them, so they are swapped for a
// private-use marker before building and for `&#x..;` after. The marker itself is escaped the
// same way, so every marker in the output is one we put there.
const MARK = '\uE000';
// eslint-disable-next-line no-control-regex
const NEEDS_REF = /[\uE000\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
const MARKED = /\uE000([0-9A-F]{4});/g;

function protectText(s: string): string {
  return s.replace(NEEDS_REF, (c) => MARK + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') + ';');
}

function restoreText(xml: string): string {
  return xml.replace(MARKED, (_m, hex: string) => (hex === 'E000' ? MARK : `&#x${hex.replace(/^0+(?=.)/, '')};`));
}

function normalizeForBuild(v: XmlValue): unknown {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return protectText(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return xmlTimestamp(v);
  if (Array.isArray(v)) return v.map(normalizeForBuild).filter((x) => x !== undefined);
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    if (k === '$') {
      out.$ = child;
      continue;
    }
    const n = normalizeForBuild(child);
    if (n === undefined) continue;
    if (Array.isArray(n) && n.length === 0) continue;
    out[k] = n;
  }
  return out;
}

const builder = new Builder({
  xmldec: { version: '1.0', encoding: 'UTF-8' },
  renderOpts: { pretty: false },
  headless: false,
});

/**
 * Build one S3 document. `xmlns` adds S3's namespace on the root element (S3 puts it on every
 * response document except `<Error>`). Undefined/null members and empty arrays are omitted;
 * an empty string renders an empty element.
 */
export function buildXml(root: string, body: XmlObject | string, opts: { xmlns?: boolean } = {}): string {
  let content = normalizeForBuild(body) as Record<string, unknown> | string;
  if (opts.xmlns) {
    content = typeof content === 'string' ? { _: content, $: { xmlns: S3_XMLNS } } : { $: { xmlns: S3_XMLNS }, ...content };
  }
  return restoreText(builder.buildObject({ [root]: content }));
}

// ---- parsing ----------------------------------------------------------------------------

/** A parsed element: text (`_`), attributes (`$`) and child elements, each child an array. */
export interface XmlElement {
  _?: string;
  $?: Record<string, string>;
  [child: string]: XmlElement[] | string | Record<string, string> | undefined;
}

/**
 * Parse a request body and return its root element, requiring the root's name.
 * Any syntax error, or a different root, is MalformedXML.
 */
export async function parseXml(body: Buffer | string, rootName: string): Promise<XmlElement> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') throw s3Error('MalformedXML');
  const parser = new Parser({
    explicitArray: true,
    explicitRoot: true,
    explicitCharkey: true,
    trim: false,
    normalize: false,
    async: false,
    strict: true,
  });
  let doc: Record<string, unknown>;
  try {
    doc = (await parser.parseStringPromise(text)) as Record<string, unknown>;
  } catch {
    throw s3Error('MalformedXML');
  }
  if (!doc || typeof doc !== 'object') throw s3Error('MalformedXML');
  const names = Object.keys(doc);
  if (names.length !== 1) throw s3Error('MalformedXML');
  // Accept a namespace prefix on the root ("s3:Delete") as S3 does.
  const name = names[0].includes(':') ? names[0].slice(names[0].indexOf(':') + 1) : names[0];
  if (name !== rootName) throw s3Error('MalformedXML');
  const root = doc[names[0]];
  if (typeof root === 'string') return { _: root };
  if (!root || typeof root !== 'object') return {};
  return root as XmlElement;
}

/** Child elements named `name` (ignoring a namespace prefix). */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  if (!el) return [];
  const out: XmlElement[] = [];
  for (const [k, v] of Object.entries(el)) {
    if (k === '_' || k === '$' || !Array.isArray(v)) continue;
    const local = k.includes(':') ? k.slice(k.indexOf(':') + 1) : k;
    if (local === name) for (const c of v) out.push(typeof c === 'string' ? { _: c } : c);
  }
  return out;
}

/** The single child `name`, or undefined; more than one is MalformedXML. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  const c = children(el, name);
  if (c.length > 1) throw s3Error('MalformedXML');
  return c[0];
}

/** Text of an element ('' for an empty one), exactly as sent (no trimming). */
export function text(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  return el._ ?? '';
}

/** Text of the single child `name`. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  return text(child(el, name));
}
