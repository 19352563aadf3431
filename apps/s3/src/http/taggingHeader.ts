/** x-amz-tagging on PutObject / CopyObject / CreateMultipartUpload: a URL-encoded query string. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Tag } from '@cairn/engine';
import { invalidArgument } from '../errors';

export function requestTags(headers: IncomingHttpHeaders): Tag[] | undefined {
  const raw = headers['x-amz-tagging'];
  if (raw === undefined) return undefined;
  const v = Array.isArray(raw) ? raw.join('&') : raw;
  const tags: Tag[] = [];
  for (const part of v.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    try {
      const key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      tags.push({ key, value });
    } catch {
      throw invalidArgument(
        'The header x-amz-tagging shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.',
        'x-amz-tagging',
        v,
      );
    }
  }
  return tags;
}

export function requestTaggingDirective(headers: IncomingHttpHeaders): 'COPY' | 'REPLACE' | undefined {
  const raw = headers['x-amz-tagging-directive'];
  if (raw === undefined) return undefined;
  const v = Array.isArray(raw) ? raw.join(',') : raw;
  if (v !== 'COPY' && v !== 'REPLACE') throw invalidArgument('Unknown tagging directive.', 'x-amz-tagging-directive', v);
  return v;
}
