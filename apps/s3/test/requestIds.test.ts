/**
 * x-amz-request-id / x-amz-id-2: drawn from a pooled CSPRNG buffer (engine src/meta/randomPool.ts).
 * The pool must never hand the same bytes out twice, across refills, and every response of
 * the real server must carry ids in S3's shapes, distinct per request.
 */
import { request } from 'node:http';
import { pooledRandom } from '@cairn/engine';
import { startTestServer, type TestServer } from './helpers/server';

describe('pooledRandom', () => {
  test('values are distinct across many pool refills and have the requested size', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const hex = pooledRandom(7, 'hex'); // 7 does not divide 8 KiB: exercises the tail of the pool
      expect(hex).toMatch(/^[0-9a-f]{14}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(5000);
    expect(Buffer.from(pooledRandom(24, 'base64'), 'base64')).toHaveLength(24);
    expect(() => pooledRandom(8 * 1024 + 1, 'hex')).toThrow(RangeError);
  });
});

describe('request ids on the running server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
  });

  const head = (): Promise<{ requestId: string; hostId: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: t.port, path: '/-/health/live', method: 'GET' }, (res) => {
        res.resume();
        res.on('end', () => resolve({ requestId: String(res.headers['x-amz-request-id']), hostId: String(res.headers['x-amz-id-2']) }));
      });
      req.on('error', reject);
      req.end();
    });

  test('every response has a distinct 16-hex request id and a distinct 24-byte host id (past one pool refill)', async () => {
    const ids = new Set<string>();
    const hostIds = new Set<string>();
    // 400 requests draw 400 × 26 bytes, more than one 8 KiB pool.
    for (let i = 0; i < 400; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, head));
      for (const { requestId, hostId } of batch) {
        expect(requestId).toMatch(/^[0-9A-F]{16}$/);
        expect(Buffer.from(hostId, 'base64')).toHaveLength(24);
        ids.add(requestId);
        hostIds.add(hostId);
      }
    }
    expect(ids.size).toBe(400);
    expect(hostIds.size).toBe(400);
  });
});
