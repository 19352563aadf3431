/**
 * The shared machinery behind the S3 document codecs: an xml2js Builder configured the way
 * S3 writes documents, and an xml2js Parser whose output the codecs normalise once.
 *
 * Codecs (one file per S3 shape) build a plain `XmlObject` in S3's element order and call
 * `buildXml`; request-body codecs call `parseXml` and read it with the helpers below.
 */
import { Builder, Parser } from 'xml2js';
import { s3Error } from '@cairn/engine';

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
  NEEDS_REF.lastIndex = 0;
  if (!NEEDS_REF.test(s)) return s;
  NEEDS_REF.lastIndex = 0;
  return s.replace(NEEDS_REF, (c) => MARK + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') + ';');
}

function restoreText(xml: string): string {
  if (!xml.includes(MARK)) return xml;
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

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const escapeText = (s: string): string =>
  /[&<>\r]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;') : s;
const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');

/** Thrown for a tree shape the direct writer does not handle; xml2js renders those. */
const UNUSUAL = new Error('unusual xml tree');

/** A scalar's element text as normalizeForBuild gives it (undefined: omitted). */
function scalarText(v: XmlValue): string | undefined {
  if (typeof v === 'string') return protectText(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return xmlTimestamp(v);
  return undefined;
}

/**
 * Writes one element straight from an XmlObject tree, exactly as normalizeForBuild + the
 * xml2js Builder above would (same omissions and escaping, `<E/>` for empty elements,
 * attributes from `$`, text from `_`) but without an intermediate DOM: a 1000-key listing
 * took ~40 ms through xml2js, about a third of that here. test/xmlWriter.test.ts checks the
 * equivalence against xml2js on random trees.
 */
function writeElement(name: string, v: XmlValue | Record<string, unknown>): string {
  const text = scalarText(v as XmlValue);
  if (text !== undefined) return text === '' ? `<${name}/>` : `<${name}>${escapeText(text)}</${name}>`;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) throw UNUSUAL;
  let attrs = '';
  let inner = '';
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const child = (v as Record<string, unknown>)[k];
    if (child === undefined || child === null) continue;
    if (k === '$') {
      if (typeof child !== 'object') continue;
      for (const a in child as Record<string, unknown>) {
        const av = (child as Record<string, unknown>)[a];
        // eslint-disable-next-line no-control-regex -- XML 1.0's forbidden characters, by definition
        if (typeof av !== 'string' || /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(av)) throw UNUSUAL; // xml2js refuses these in attributes: let it throw its error
        attrs += ` ${a}="${escapeAttr(av)}"`;
      }
    } else if (k === '_') {
      const t = scalarText(child as XmlValue);
      if (t === undefined) throw UNUSUAL;
      inner += escapeText(t);
    } else if (Array.isArray(child)) {
      for (const entry of child as XmlValue[]) {
        if (entry === undefined || entry === null) continue;
        if (Array.isArray(entry)) throw UNUSUAL;
        inner += writeElement(k, entry);
      }
    } else {
      inner += writeElement(k, child as XmlValue);
    }
  }
  return inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
}

function render(root: string, body: XmlObject | string, opts: { xmlns?: boolean }): string {
  try {
    const content = opts.xmlns ? (typeof body === 'string' ? { _: body, $: { xmlns: S3_XMLNS } } : { $: { xmlns: S3_XMLNS }, ...body }) : body;
    return XML_DECLARATION + writeElement(root, content as XmlObject);
  } catch (e) {
    if (e !== UNUSUAL) throw e;
    return xml2jsRender(root, body, opts);
  }
}

/** The xml2js rendering of the same document (the reference the direct writer matches). */
export function buildXmlViaXml2js(root: string, body: XmlObject | string, opts: { xmlns?: boolean } = {}): string {
  return restoreText(xml2jsRender(root, body, opts));
}

function xml2jsRender(root: string, body: XmlObject | string, opts: { xmlns?: boolean }): string {
  return builder.buildObject({ [root]: withNamespace(normalizeForBuild(body) as Record<string, unknown> | string, opts) });
}

function withNamespace(content: Record<string, unknown> | string, opts: { xmlns?: boolean }): Record<string, unknown> | string {
  if (!opts.xmlns) return content;
  return typeof content === 'string' ? { _: content, $: { xmlns: S3_XMLNS } } : { $: { xmlns: S3_XMLNS }, ...content };
}

/**
 * Build one S3 document. `xmlns` adds S3's namespace on the root element (S3 puts it on every
 * response document except `<Error>`). Undefined/null members and empty arrays are omitted;
 * an empty string renders an empty element.
 */
export function buildXml(root: string, body: XmlObject | string, opts: { xmlns?: boolean } = {}): string {
  return restoreText(render(root, body, opts));
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
