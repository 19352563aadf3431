/**
 * Admin API credentials: `Authorization: Bearer <accessKeyId>:<hex HMAC-SHA256(secretAccessKey, "cairn-admin")>`.
 *
 * Derived rather than the raw secret so the secret itself never travels (a leaked token is
 * useless for S3 signing), and prefixed with the access key id so a valid token of a non-root
 * user is told apart (403) from a wrong one (401) with one key lookup.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ADMIN_TOKEN_CONTEXT = 'cairn-admin';

export function adminTokenSignature(secretAccessKey: string): string {
  return createHmac('sha256', secretAccessKey).update(ADMIN_TOKEN_CONTEXT, 'utf8').digest('hex');
}

export function adminToken(accessKeyId: string, secretAccessKey: string): string {
  return `${accessKeyId}:${adminTokenSignature(secretAccessKey)}`;
}

/** "<akid>:<64 hex>" → parts, or undefined when malformed. */
export function parseAdminToken(token: string): { accessKeyId: string; signature: string } | undefined {
  const i = token.lastIndexOf(':');
  if (i <= 0) return undefined;
  const signature = token.slice(i + 1);
  if (!/^[0-9a-f]{64}$/.test(signature)) return undefined;
  return { accessKeyId: token.slice(0, i), signature };
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
