/**
 * DeleteObjects (POST /bucket?delete). S3 requires an integrity header on this request:
 * Content-MD5 or an x-amz-checksum-* (header or trailer); both are verified against the body.
 * At most 1000 keys (else MalformedXML); Quiet mode reports only errors; per-key errors are
 * reported in the document, never as the response status.
 */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { readConfigBody } from '../../http/configBody';
import { keyAuthorizer } from '../../authz/authzRequest';
import { parseDelete } from '../../xml/delete';
import { bypassGovernance } from '../../http/objectLockHeaders';
import { renderDeleteResult, type DeleteErrorEntry, type DeletedEntry } from '../../xml/deleteResult';

/** 1000 keys of up to 1024 bytes, XML-escaped, fit comfortably. */
export const MAX_DELETE_BODY_BYTES = 8 * 1024 * 1024;

export const deleteObjects: Handler = async (c) => {
  const body = await readConfigBody(c, { requireIntegrity: true, maxBytes: MAX_DELETE_BODY_BYTES });

  const doc = await parseDelete(body);
  // Each key is its own s3:DeleteObject(Version) decision; refused keys are reported, not deleted.
  const allowed = await keyAuthorizer(c.engine, c, c.bucket!, 'DeleteObject');
  const refused = new Set<number>();
  doc.objects.forEach((o, i) => {
    if (!allowed(o.key, o.versionId)) refused.add(i);
  });
  const permitted = doc.objects.filter((_, i) => !refused.has(i));
  const done =
    permitted.length === 0
      ? []
      : await c.engine.deleteObjects(
          c.bucket!.name,
          permitted.map((o) => ({ key: o.key, versionId: o.versionId })),
          { owner: c.principal?.userId, bypassGovernance: await bypassGovernance(c) },
        );
  let next = 0;
  const results = doc.objects.map((o, i) =>
    refused.has(i) ? { key: o.key, versionId: o.versionId, error: { code: 'AccessDenied', message: 'Access Denied' } } : done[next++],
  ) as typeof done;
  const deleted: DeletedEntry[] = [];
  const errors: DeleteErrorEntry[] = [];
  for (const r of results) {
    if (r.error) errors.push({ key: r.key, versionId: r.versionId, code: r.error.code, message: r.error.message });
    else if (!doc.quiet) {
      deleted.push({ key: r.key, versionId: r.versionId, deleteMarker: r.deleteMarker, deleteMarkerVersionId: r.deleteMarkerVersionId });
    }
  }
  c.log.keys = results.length;
  c.log.errors = errors.length;
  return xmlResponse(renderDeleteResult({ deleted, errors }));
};
