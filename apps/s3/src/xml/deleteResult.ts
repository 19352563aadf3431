/** `<DeleteResult>`: DeleteObjects response (Deleted entries omitted in quiet mode by the caller). */
import { buildXml, type XmlObject } from './codec';

export interface DeletedEntry {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
}

export interface DeleteErrorEntry {
  key: string;
  versionId?: string;
  code: string;
  message: string;
}

export function renderDeleteResult(d: { deleted: DeletedEntry[]; errors: DeleteErrorEntry[] }): string {
  const deleted: XmlObject[] = d.deleted.map((e) => ({
    Key: e.key,
    VersionId: e.versionId,
    DeleteMarker: e.deleteMarker ? true : undefined,
    DeleteMarkerVersionId: e.deleteMarkerVersionId,
  }));
  const errors: XmlObject[] = d.errors.map((e) => ({ Key: e.key, VersionId: e.versionId, Code: e.code, Message: e.message }));
  return buildXml('DeleteResult', { Deleted: deleted, Error: errors }, { xmlns: true });
}
