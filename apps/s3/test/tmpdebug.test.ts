import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { NODE_CHUNK_FS } from '@cairn/engine';
import { startTestServer } from './helpers/server';
import { rawRequest } from './helpers/rawRequest';
jest.setTimeout(60000);
const full = { open: async (p: string, f: 'wx') => { const fh = await NODE_CHUNK_FS.open(p, f); return { write: async () => { throw Object.assign(new Error('ENOSPC: x'), { code: 'ENOSPC', errno: -28 }); }, sync: () => fh.sync(), close: () => fh.close() }; } };
test.each(['sdk', 'raw'])('%s', async (mode) => {
  const ts = await startTestServer({ chunkFileSystem: full, gcIntervalMs: 0 });
  const s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'dbg' }));
  const t0 = Date.now();
  if (mode === 'sdk') await s3.send(new PutObjectCommand({ Bucket: 'dbg', Key: 'k', Body: randomBytes(12 << 20) })).catch((e) => console.log('err', e.name));
  else console.log((await rawRequest(ts.endpoint, { method: 'PUT', path: '/dbg/k', body: randomBytes(12 << 20), payloadHash: 'UNSIGNED-PAYLOAD' })).status);
  const t1 = Date.now();
  const srv = (ts.server as any);
  await ts.stop();
  console.log(mode, 'request', t1 - t0, 'stop', Date.now() - t1);
});
