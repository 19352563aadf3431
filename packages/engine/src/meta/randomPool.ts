/**
 * Random bytes for per-request tokens (x-amz-request-id, x-amz-id-2, record data ids, upload
 * ids), taken from a pooled buffer. Why: `randomBytes(n)` makes one synchronous CSPRNG call per use, and a request used
 * two of them (~4% of a 4 KiB GET's main-thread time, measured with --cpu-prof); one
 * `randomFillSync` of 8 KiB now serves ~300 requests. The bytes are still from the CSPRNG and
 * each is handed out once; these tokens identify requests, they are not secrets.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 8 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES; // filled on first use

/** `n` (≤ 8 KiB) fresh random bytes, encoded; no byte of the pool is ever handed out twice. */
export function pooledRandom(n: number, encoding: 'hex' | 'base64'): string {
  if (n > POOL_BYTES) throw new RangeError(`pooledRandom: at most ${POOL_BYTES} bytes`);
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const s = pool.toString(encoding, used, used + n);
  used += n;
  return s;
}
