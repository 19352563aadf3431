/**
 * ListObjectsV2's continuation token. Opaque to clients: base64 of a version tag and the engine's
 * nextStartAfter (the last key or common prefix returned). A token that does not decode is
 * InvalidArgument.
 */
import { invalidArgument } from '../errors';

const TOKEN_TAG = 'cairn1:';

export function encodeContinuationToken(startAfter: string): string {
  return Buffer.from(TOKEN_TAG + startAfter, 'utf8').toString('base64');
}

export function decodeContinuationToken(token: string): string {
  const bad = () => invalidArgument('The continuation token provided is incorrect', 'continuation-token');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw bad();
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith(TOKEN_TAG)) throw bad();
  return text.slice(TOKEN_TAG.length);
}
