// A program an outside Node app could have written: it imports only '@cairn/engine'.
//
//   node examples/embed.mjs [DATA_DIR]
//
// Opens an engine on a directory, creates a bucket, streams a body in, reads a range back,
// lists with a delimiter, enables versioning and reads an older version, then closes.
// Exits non-zero (with the reason) if anything is not what S3 semantics promise.
import { Engine, ROOT_USER_ID, isS3Error } from '@cairn/engine';
import { Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function check(cond, what) {
  if (!cond) throw new Error(`embed example: ${what}`);
  console.log(`ok - ${what}`);
}

async function readAll(stream) {
  const parts = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const given = process.argv[2];
const dataDir = given ?? (await mkdtemp(join(tmpdir(), 'cairn-embed-')));
const engine = await Engine.open({ dataDir, fsync: true });
try {
  const owner = ROOT_USER_ID;
  await engine.createBucket('photos', { owner });
  check((await engine.getBucket('photos')).name === 'photos', 'bucket created');

  // A streamed body of 3 MiB + 17 bytes, produced lazily (never held whole by the caller).
  const size = 3 * 1024 * 1024 + 17;
  async function* body() {
    for (let off = 0; off < size; off += 65536) {
      const n = Math.min(65536, size - off);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (off + i) % 251;
      yield b;
    }
  }
  const put = await engine.putObject('photos', '2024/summer/beach.raw', Readable.from(body()), {
    owner,
    contentLength: size,
    contentType: 'application/octet-stream',
  });
  check(put.size === size && /^[0-9a-f]{32}$/.test(put.etag), `streamed PUT of ${size} bytes (etag ${put.etag})`);

  const ranged = await engine.getObject('photos', '2024/summer/beach.raw', {
    range: { kind: 'range', start: 1_000_000, end: 1_000_009 },
  });
  const slice = await readAll(ranged.body);
  const want = Buffer.from(Array.from({ length: 10 }, (_, i) => (1_000_000 + i) % 251));
  check(slice.equals(want), 'ranged GET returns bytes 1000000-1000009');

  for (const k of ['2024/winter/snow.raw', '2023/a.raw', 'readme.txt']) {
    await engine.putObject('photos', k, Readable.from([Buffer.from(k)]), { owner });
  }
  const top = await engine.listObjects('photos', { delimiter: '/', maxKeys: 1000 });
  check(
    JSON.stringify(top.commonPrefixes) === JSON.stringify(['2023/', '2024/']) && top.objects.map((o) => o.key).join() === 'readme.txt',
    'list with delimiter "/" gives 2 common prefixes and 1 key',
  );

  await engine.putBucketVersioning('photos', 'Enabled');
  const v1 = await engine.putObject('photos', 'notes.txt', Readable.from([Buffer.from('first draft')]), { owner });
  const v2 = await engine.putObject('photos', 'notes.txt', Readable.from([Buffer.from('second draft')]), { owner });
  check(v1.versionId !== v2.versionId && v1.versionId !== 'null', 'versioning gives each write its own version id');
  const latest = await readAll((await engine.getObject('photos', 'notes.txt')).body);
  const older = await readAll((await engine.getObject('photos', 'notes.txt', { versionId: v1.versionId })).body);
  check(latest.toString() === 'second draft' && older.toString() === 'first draft', 'older version still readable by id');

  try {
    await engine.getObject('photos', 'no/such/key');
    check(false, 'missing key throws');
  } catch (e) {
    check(isS3Error(e) && e.code === 'NoSuchKey', 'missing key throws a typed S3Error NoSuchKey');
  }
} finally {
  await engine.close();
  if (!given) await rm(dataDir, { recursive: true, force: true });
}
console.log('embed example: all checks passed');
