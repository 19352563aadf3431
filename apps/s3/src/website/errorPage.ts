/**
 * The HTML error pages of the website endpoint, laid out as S3's: a title and heading with the
 * status, then Code / Message / the error's fields (Key, BucketName, Method, ...) / RequestId /
 * HostId, and, when the configured ErrorDocument itself could not be served, a second list
 * headed "An Error Occurred While Attempting to Retrieve a Custom Error Document".
 */
import { STATUS_CODES } from 'node:http';

export interface WebsiteError {
  status: number;
  code: string;
  message: string;
  /** Extra lines in order (Key, BucketName, Method, ResourceType...). */
  fields: [string, string][];
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const items = (lines: [string, string][]): string => lines.map(([k, v]) => `<li>${escapeHtml(k)}: ${escapeHtml(v)}</li>\n`).join('');

export function statusTitle(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Error'}`;
}

export function renderWebsiteErrorPage(e: WebsiteError, ids: { requestId: string; hostId: string }, errorDocumentError?: WebsiteError): string {
  const title = statusTitle(e.status);
  let html = `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n`;
  html += items([['Code', e.code], ['Message', e.message], ...e.fields, ['RequestId', ids.requestId], ['HostId', ids.hostId]]);
  html += '</ul>\n';
  if (errorDocumentError) {
    html += '<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n';
    html += items([['Code', errorDocumentError.code], ['Message', errorDocumentError.message], ...errorDocumentError.fields]);
    html += '</ul>\n';
  }
  return html + '<hr/>\n</body>\n</html>\n';
}
