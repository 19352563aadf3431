/**
 * x-amz-object-lock-* request headers (PutObject, CopyObject) and the GET/HEAD response headers.
 * S3 requires Content-MD5 or an x-amz-checksum-* on writes that set lock parameters.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectLockSettings, ObjectMeta } from '@cairn/engine';
import { invalidArgument, invalidRequest } from '../errors';
import type { S3Context } from '../context';
import { authorizeRequest } from '../authz/authzRequest';

function h(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function requestObjectLock(headers: IncomingHttpHeaders): ObjectLockSettings | undefined {
  const mode = h(headers, 'x-amz-object-lock-mode');
  const until = h(headers, 'x-amz-object-lock-retain-until-date');
  const hold = h(headers, 'x-amz-object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  const out: ObjectLockSettings = {};
  if (mode !== undefined || until !== undefined) {
    if (mode === undefined || until === undefined) {
      throw invalidArgument(
        'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
        mode === undefined ? 'x-amz-object-lock-mode' : 'x-amz-object-lock-retain-until-date',
      );
    }
    if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', mode);
    const date = new Date(until);
    if (Number.isNaN(date.getTime()))
      throw invalidArgument('The retain until date must be provided in ISO 8601 format', 'x-amz-object-lock-retain-until-date', until);
    out.retention = { mode, retainUntil: date };
  }
  if (hold !== undefined) {
    if (hold !== 'ON' && hold !== 'OFF') throw invalidArgument("Legal Hold must be either of 'ON' or 'OFF'", 'x-amz-object-lock-legal-hold', hold);
    out.legalHold = hold === 'ON';
  }
  return out;
}

/** Lock parameters need an integrity header (S3's rule for Object Lock writes). */
export function requireIntegrityForLock(headers: IncomingHttpHeaders, lock: ObjectLockSettings | undefined): void {
  if (!lock) return;
  const has =
    headers['content-md5'] !== undefined ||
    headers['x-amz-sdk-checksum-algorithm'] !== undefined ||
    Object.keys(headers).some((k) => k.startsWith('x-amz-checksum-')) ||
    headers['x-amz-trailer'] !== undefined;
  if (!has) throw invalidRequest('Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
}

export function objectLockResponseHeaders(meta: ObjectMeta): Record<string, string> {
  const out: Record<string, string> = {};
  if (meta.retention) {
    out['x-amz-object-lock-mode'] = meta.retention.mode;
    out['x-amz-object-lock-retain-until-date'] = meta.retention.retainUntil.toISOString();
  }
  if (meta.legalHold !== undefined) out['x-amz-object-lock-legal-hold'] = meta.legalHold ? 'ON' : 'OFF';
  return out;
}

/**
 * x-amz-bypass-governance-retention: true, honoured only for callers allowed
 * s3:BypassGovernanceRetention (the bucket owner, or a policy grant); otherwise it is ignored
 * and the lock answers AccessDenied, as in S3.
 */
export async function bypassGovernance(c: S3Context): Promise<boolean> {
  if ((h(c.headers, 'x-amz-bypass-governance-retention') ?? '').trim().toLowerCase() !== 'true') return false;
  try {
    await authorizeRequest(c.engine, c, { operation: 'BypassGovernanceRetention', bucket: c.bucket!, key: c.key });
    return true;
  } catch {
    return false;
  }
}
