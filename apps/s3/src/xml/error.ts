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

export function renderError(e: ErrorDoc): string {
  const body: XmlObject = { Code: e.code, Message: e.message };
  for (const [k, v] of Object.entries(e.fields ?? {})) {
    if (/^[A-Za-z][A-Za-z0-9]*$/.test(k) && !(k in body)) body[k] = v;
  }
  body.Resource = e.resource;
  body.RequestId = e.requestId;
  body.HostId = e.hostId;
  return buildXml('Error', body);
}
