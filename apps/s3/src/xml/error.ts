/** `<Error>`: S3's error document (no namespace, as S3 sends it). */
import { buildXml, type XmlObject } from './codec';

export interface ErrorDoc {
  code: string;
  message: string;
  resource?: string;
  requestId: string;
  hostId: string;
  /** Extra elements (BucketName, Key, ArgumentName, ...), rendered after Message. */
  fields?: Record<string, string>;
}

// Characters XML 1.0 cannot carry at all. Listings write them as references (as S3 does, and
// clients that care ask for encoding-type=url), but an error document must stay parseable by
// strict parsers (expat, sax) so the client can read the code: there they are %-escaped.
// eslint-disable-next-line no-control-regex
const NOT_XML10 = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

function diagnosticText(s: string): string {
  return s.replace(NOT_XML10, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

export function renderError(e: ErrorDoc): string {
  const body: XmlObject = { Code: e.code, Message: diagnosticText(e.message) };
  for (const [k, v] of Object.entries(e.fields ?? {})) {
    if (/^[A-Za-z][A-Za-z0-9]*$/.test(k) && !(k in body)) body[k] = diagnosticText(v);
  }
  body.Resource = e.resource === undefined ? undefined : diagnosticText(e.resource);
  body.RequestId = e.requestId;
  body.HostId = e.hostId;
  return buildXml('Error', body);
}
