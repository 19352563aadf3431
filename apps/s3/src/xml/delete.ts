/** `<Delete>`: DeleteObjects request body. */
import { s3Error } from '../errors';
import { child, children, childText, parseXml } from './codec';

export interface DeleteRequestDoc {
  quiet: boolean;
  objects: { key: string; versionId?: string }[];
}

export const MAX_DELETE_KEYS = 1000;

export async function parseDelete(body: Buffer): Promise<DeleteRequestDoc> {
  const root = await parseXml(body, 'Delete');
  const quietText = childText(root, 'Quiet')?.trim().toLowerCase();
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') throw s3Error('MalformedXML');
  const objects = children(root, 'Object').map((o) => {
    const keyEl = child(o, 'Key');
    if (!keyEl) throw s3Error('MalformedXML');
    const versionId = childText(o, 'VersionId');
    return { key: keyEl._ ?? '', versionId: versionId === undefined || versionId === '' ? undefined : versionId };
  });
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw s3Error('MalformedXML');
  return { quiet: quietText === 'true', objects };
}
