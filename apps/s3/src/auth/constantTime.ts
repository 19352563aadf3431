import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string equality for signatures. Only the length can leak, and signature lengths
 * are public (64 hex digits for SigV4, 28 base64 characters for SigV2).
 */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab); // keep the work roughly constant
    return false;
  }
  return timingSafeEqual(ab, bb);
}
