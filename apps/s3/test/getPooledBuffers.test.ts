/**
 * GET bodies go out from recycled read buffers (engine chunks/readBuffers.ts, http/recyclingBody.ts):
 * a buffer returns to the pool only from its socket write's callback. If it came back any earlier,
 * a reader whose socket is still full would be sent bytes another GET read into the same buffer —
 * so slow, fast, ranged and aborting readers run at once here and every byte is checked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';

const MiB = 1024 * 1024;
let ts: TestServer;
let s3: S3Client;
const bodies = new Map<string, Buffer>();

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'pool' }));
  for (let i = 0; i < 4; i++) {
    const data = randomBytes(5 * MiB + 17 + i); // 6 chunks, the last one short
    bodies.set(`obj${i}`, data);
    await s3.send(new PutObjectCommand({ Bucket: 'pool', Key: `obj${i}`, Body: data }));
  }
}, 60_000);

afterAll(async () => {
  await ts?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads a body; `delayMs` between pieces makes the server's socket writes wait on this reader. */
async function read(body: Readable, delayMs = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of body) {
    parts.push(Buffer.from(piece as Buffer)); // a copy: the check must not depend on the socket's buffers
    if (delayMs) await sleep(delayMs);
  }
  return Buffer.concat(parts);
}

async function get(key: string, range?: [number, number], delayMs = 0): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: 'pool', Key: key, Range: range ? `bytes=${range[0]}-${range[1]}` : undefined }));
  return read(r.Body as Readable, delayMs);
}

describe('GET from recycled read buffers', () => {
  test('slow, fast, ranged and aborted readers at once all get exactly their bytes', async () => {
    const jobs: Promise<void>[] = [];
    const expectBody = async (key: string, range?: [number, number], delayMs = 0) => {
      const want = range ? bodies.get(key)!.subarray(range[0], range[1] + 1) : bodies.get(key)!;
      const got = await get(key, range, delayMs);
      expect(got.length).toBe(want.length);
      expect(sha(got)).toBe(sha(want));
    };
    // Slow readers: their responses sit in full socket buffers while other GETs reuse the pool.
    for (let i = 0; i < 3; i++) jobs.push(expectBody(`obj${i}`, undefined, 3));
    // Readers that go away mid-body: their buffers must never come back half-written.
    for (let i = 0; i < 3; i++) {
      jobs.push(
        (async () => {
          const r = await s3.send(new GetObjectCommand({ Bucket: 'pool', Key: `obj${(i + 1) % 4}` }));
          const body = r.Body as Readable;
          for await (const piece of body) {
            expect((piece as Buffer).length).toBeGreaterThan(0);
            break; // destroys the response mid-body
          }
        })(),
      );
    }
    // Fast readers, whole and ranged (ranges cut chunks: views of pooled buffers go back too).
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 4; i++) {
        jobs.push(expectBody(`obj${i}`));
        jobs.push(expectBody(`obj${i}`, [MiB - 5 + round, 3 * MiB + 11 * round]));
      }
    }
    await Promise.all(jobs);
    // And the server is still sane after the aborted ones: a final read of everything.
    for (const key of bodies.keys()) await expectBody(key);
  }, 120_000);
});
