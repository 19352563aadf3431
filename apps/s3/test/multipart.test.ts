/**
 * Multipart uploads through @aws-sdk/client-s3 (default settings: CRC32 request checksums,
 * response checksum validation) against the real server, plus raw requests for bodies the SDK
 * won't send. @aws-sdk/lib-storage is not installed, so the `Upload` helper's behaviour (several
 * parts in flight) is driven with the commands directly.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createChecksum } from '@cairn/engine';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';
import { rawRequest } from './helpers/rawRequest';
import { NASTY_KEYS } from './helpers/nastyKeys';

const MIB = 1024 * 1024;
let ts: TestServer;
let s3: S3Client;
const B = 'mpu';

async function getBytes(
  key: string,
  extra: Record<string, unknown> = {},
): Promise<{ data: Buffer; out: Awaited<ReturnType<S3Client['send']>> & Record<string, any> }> {
  const out = (await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ...extra }))) as any;
  return { data: Buffer.from(await out.Body!.transformToByteArray()), out };
}

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
function checksum(alg: 'CRC32' | 'CRC32C' | 'SHA256', b: Buffer): Buffer {
  const h = createChecksum(alg);
  h.update(b);
  return h.digest();
}

/** Uploads `data` in `partSize` parts with `inFlight` UploadPart requests at a time (what lib-storage's Upload does). */
async function multipartUpload(
  key: string,
  data: Buffer,
  partSize: number,
  inFlight = 4,
  create: Record<string, unknown> = {},
  part: Record<string, unknown> = {},
) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ...create }));
  const count = Math.ceil(data.length / partSize);
  const parts: CompletedPart[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const body = data.subarray(i * partSize, Math.min((i + 1) * partSize, data.length));
      const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: i + 1, Body: body, ...part }));
      parts[i] = { PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32, ChecksumCRC32C: r.ChecksumCRC32C, ChecksumSHA256: r.ChecksumSHA256 };
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { UploadId: UploadId!, parts };
}

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});
afterAll(() => ts.stop());

describe('multipart uploads (SDK)', () => {
  const big = randomBytes(40 * MIB + 12345);
  const PART = 5 * MIB;

  test('lifecycle: ~40 MiB in 5 MiB parts, 4 in flight; bytes, ETag formula, metadata, ranges, partNumber reads', async () => {
    const { UploadId, parts } = await multipartUpload('big/file.bin', big, PART, 4, { ContentType: 'application/x-big', Metadata: { purpose: 'test' } });
    const listed = await s3.send(new ListPartsCommand({ Bucket: B, Key: 'big/file.bin', UploadId }));
    expect(listed.Parts!.map((p) => p.PartNumber)).toEqual(parts.map((p) => p.PartNumber));
    expect(listed.Parts!.map((p) => p.ETag)).toEqual(parts.map((p) => p.ETag));
    expect(listed.Parts![0].Size).toBe(PART);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: B }));
    expect(uploads.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([['big/file.bin', UploadId]]);
    expect([uploads.NextKeyMarker, uploads.NextUploadIdMarker, uploads.IsTruncated]).toEqual(['big/file.bin', UploadId, false]);

    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'big/file.bin', UploadId, MultipartUpload: { Parts: parts } }));
    const n = parts.length;
    const formula = createHash('md5')
      .update(Buffer.concat(Array.from({ length: n }, (_, i) => md5(big.subarray(i * PART, (i + 1) * PART)))))
      .digest('hex');
    expect(done.ETag).toBe(`"${formula}-${n}"`);
    expect(done.Bucket).toBe(B);
    expect(done.Key).toBe('big/file.bin');
    expect(done.Location).toBe(`${ts.endpoint}/mpu/big%2Ffile.bin`);

    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'big/file.bin' }));
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toBe(done.ETag);
    expect(head.ContentType).toBe('application/x-big');
    expect(head.Metadata).toEqual({ purpose: 'test' });
    const { data } = await getBytes('big/file.bin');
    expect(data.length).toBe(big.length);
    expect(sha(data)).toBe(sha(big));

    for (const [a, z] of [
      [PART - 10, PART + 10],
      [PART - 1, PART],
      [3 * PART - 100, 5 * PART + 100],
      [big.length - 5, big.length - 1],
    ]) {
      const r = await getBytes('big/file.bin', { Range: `bytes=${a}-${z}` });
      expect(r.out.ContentRange).toBe(`bytes ${a}-${z}/${big.length}`);
      expect(r.data.equals(big.subarray(a, z + 1))).toBe(true);
    }
    const p3 = await getBytes('big/file.bin', { PartNumber: 3 });
    expect(p3.out.$metadata.httpStatusCode).toBe(206);
    expect(p3.out.PartsCount).toBe(n);
    expect(p3.out.ContentRange).toBe(`bytes ${2 * PART}-${3 * PART - 1}/${big.length}`);
    expect(p3.data.equals(big.subarray(2 * PART, 3 * PART))).toBe(true);
    const last = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'big/file.bin', PartNumber: n }));
    expect(last.ContentLength).toBe(big.length - (n - 1) * PART);
    expect(last.PartsCount).toBe(n);
    expect((await s3Err(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'big/file.bin', PartNumber: n + 1 })))).$metadata.httpStatusCode).toBe(416);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? []).toEqual([]);
  });

  test('ListParts and ListMultipartUploads page', async () => {
    const keys = ['p/a', 'p/b', 'p/b', 'p/c/d', 'q'];
    const ids: string[] = [];
    for (const k of keys) ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: k }))).UploadId!);
    for (let n = 1; n <= 5; n++) await s3.send(new UploadPartCommand({ Bucket: B, Key: 'p/a', UploadId: ids[0], PartNumber: n * 2, Body: `part ${n}` }));

    const seenParts: number[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListPartsCommand({ Bucket: B, Key: 'p/a', UploadId: ids[0], MaxParts: 2, PartNumberMarker: marker }));
      expect(page.MaxParts).toBe(2);
      seenParts.push(...page.Parts!.map((p) => p.PartNumber!));
      if (!page.IsTruncated) break;
      marker = page.NextPartNumberMarker;
    }
    expect(seenParts).toEqual([2, 4, 6, 8, 10]);

    const seen: [string, string][] = [];
    let km: string | undefined;
    let um: string | undefined;
    for (;;) {
      const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, MaxUploads: 2, KeyMarker: km, UploadIdMarker: um }));
      seen.push(...page.Uploads!.map((u) => [u.Key!, u.UploadId!] as [string, string]));
      if (!page.IsTruncated) break;
      km = page.NextKeyMarker;
      um = page.NextUploadIdMarker;
    }
    expect(seen).toEqual(keys.map((k, i) => [k, ids[i]]));
    const d = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, Prefix: 'p/', Delimiter: '/' }));
    expect(d.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['p/c/']);
    expect(d.Uploads!.map((u) => u.Key)).toEqual(['p/a', 'p/b', 'p/b']);
    expect(d.Uploads![0].Initiator!.ID).toBe('root');
    for (let i = 0; i < keys.length; i++) await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: keys[i], UploadId: ids[i] }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? []).toEqual([]);
  });

  test('UploadPartCopy with ranges shares chunks (only the cut edge chunks are new)', async () => {
    const src = randomBytes(12 * MIB + 777);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'copy-src', Body: src }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'copy-dst' }));
    const before = await ts.server.engine.usage();
    const ranges: [number, number][] = [
      [MIB + 17, 6 * MIB + 100],
      [3, 5 * MIB + 3],
      [12 * MIB, 12 * MIB + 776],
    ];
    const parts: CompletedPart[] = [];
    for (let i = 0; i < ranges.length; i++) {
      const [a, z] = ranges[i];
      const r = await s3.send(
        new UploadPartCopyCommand({ Bucket: B, Key: 'copy-dst', UploadId, PartNumber: i + 1, CopySource: `${B}/copy-src`, CopySourceRange: `bytes=${a}-${z}` }),
      );
      expect(r.CopyPartResult!.ETag).toBe(`"${md5(src.subarray(a, z + 1)).toString('hex')}"`);
      parts.push({ PartNumber: i + 1, ETag: r.CopyPartResult!.ETag });
    }
    const after = await ts.server.engine.usage();
    expect(after.chunks - before.chunks).toBeLessThanOrEqual(5); // 2 + 2 cut edges + 1 tail slice
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'copy-dst', UploadId, MultipartUpload: { Parts: parts } }));
    const { data } = await getBytes('copy-dst');
    expect(data.equals(Buffer.concat(ranges.map(([a, z]) => src.subarray(a, z + 1))))).toBe(true);

    // Whole-object copy, conditions, bad ranges.
    const u2 = (await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'copy-dst2' }))).UploadId!;
    const whole = await s3.send(new UploadPartCopyCommand({ Bucket: B, Key: 'copy-dst2', UploadId: u2, PartNumber: 1, CopySource: `${B}/copy-src` }));
    expect(whole.CopyPartResult!.ETag).toBe(`"${md5(src).toString('hex')}"`);
    const cond = await s3Err(
      s3.send(
        new UploadPartCopyCommand({ Bucket: B, Key: 'copy-dst2', UploadId: u2, PartNumber: 2, CopySource: `${B}/copy-src`, CopySourceIfMatch: '"nope"' }),
      ),
    );
    expect(cond.name).toBe('PreconditionFailed');
    for (const [r, code] of [
      [`bytes=0-${src.length}`, 'InvalidRange'],
      ['bytes=10-5', 'InvalidArgument'],
    ]) {
      const bad = await s3Err(
        s3.send(new UploadPartCopyCommand({ Bucket: B, Key: 'copy-dst2', UploadId: u2, PartNumber: 2, CopySource: `${B}/copy-src`, CopySourceRange: r })),
      );
      expect([bad.name, bad.message]).toEqual([code, `Range specified is not valid for source object of size: ${src.length}`]);
    }
    const syntax = await s3Err(
      s3.send(
        new UploadPartCopyCommand({ Bucket: B, Key: 'copy-dst2', UploadId: u2, PartNumber: 2, CopySource: `${B}/copy-src`, CopySourceRange: 'bytes=5-' }),
      ),
    );
    expect(syntax.name).toBe('InvalidArgument');
    const missing = await s3Err(s3.send(new UploadPartCopyCommand({ Bucket: B, Key: 'copy-dst2', UploadId: u2, PartNumber: 2, CopySource: `${B}/nope` })));
    expect(missing.name).toBe('NoSuchKey');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'copy-dst2', UploadId: u2 }));
  });

  test('errors: InvalidPartOrder, InvalidPart, EntityTooSmall, NoSuchUpload, InvalidArgument, MalformedXML', async () => {
    const key = 'errs';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }));
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 1, Body: 'one' }))).ETag!;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 2, Body: 'two' }))).ETag!;
    const complete = (Parts: CompletedPart[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts } }));

    const order = await s3Err(
      complete([
        { PartNumber: 2, ETag: e2 },
        { PartNumber: 1, ETag: e1 },
      ]),
    );
    expect([order.name, order.$metadata.httpStatusCode]).toEqual(['InvalidPartOrder', 400]);
    const wrongTag = await s3Err(complete([{ PartNumber: 1, ETag: e2 }]));
    expect([wrongTag.name, wrongTag.$metadata.httpStatusCode]).toEqual(['InvalidPart', 400]);
    expect(wrongTag.message).toBe(
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    );
    const zero = await rawRequest(ts.endpoint, {
      method: 'POST',
      path: `/${B}/${key}`,
      query: { uploadId: UploadId! },
      body: `<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>${e1}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect([zero.status, /<Code>InvalidArgument<\/Code>/.test(zero.body), /PartNumber must be &gt;= 1|PartNumber must be >= 1/.test(zero.body)]).toEqual([
      400,
      true,
      true,
    ]);
    for (const [q, message] of [
      [{ 'max-parts': '-1' }, 'Argument max-parts must be an integer between 0 and 2147483647'],
      [{ 'part-number-marker': 'x' }, 'Argument partNumberMarker must be an integer.'],
    ] as const) {
      const r = await rawRequest(ts.endpoint, { method: 'GET', path: `/${B}/${key}`, query: { uploadId: UploadId!, ...q } });
      expect([r.status, r.body.includes(message)]).toEqual([400, true]);
    }
    const mu = await rawRequest(ts.endpoint, { method: 'GET', path: `/${B}`, query: { uploads: '', 'max-uploads': 'ten' } });
    expect([mu.status, mu.body.includes('Argument max-uploads must be an integer between 0 and 2147483647')]).toEqual([400, true]);
    const alg = await s3Err(s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'MD4' as never })));
    expect(alg.name).toBe('InvalidRequest');
    const unknown = await s3Err(complete([{ PartNumber: 7, ETag: e1 }]));
    expect(unknown.name).toBe('InvalidPart');
    const small = await s3Err(
      complete([
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ]),
    );
    expect([small.name, small.$metadata.httpStatusCode]).toEqual(['EntityTooSmall', 400]);
    const badNumber = await s3Err(s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 10001, Body: 'x' })));
    expect([badNumber.name, badNumber.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    const noUpload = await s3Err(
      s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: '0123456789abcdef0123456789abcdef', PartNumber: 1, Body: 'x' })),
    );
    expect([noUpload.name, noUpload.$metadata.httpStatusCode]).toEqual(['NoSuchUpload', 404]);
    const noList = await s3Err(s3.send(new ListPartsCommand({ Bucket: B, Key: 'other', UploadId })));
    expect(noList.name).toBe('NoSuchUpload');
    const badDigest = await s3Err(s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 3, Body: 'three', ChecksumCRC32: 'AAAAAA==' })));
    expect(badDigest.name).toBe('BadDigest');

    for (const body of [
      'garbage',
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>',
      '<Other/>',
    ]) {
      const r = await rawRequest(ts.endpoint, { method: 'POST', path: `/${B}/${key}`, query: { uploadId: UploadId! }, body });
      expect([r.status, /<Code>MalformedXML<\/Code>/.test(r.body)]).toEqual([400, true]);
    }
    // A raw, well-formed complete (namespaced, quoted ETag) works.
    const xml = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part></CompleteMultipartUpload>`;
    const ok = await rawRequest(ts.endpoint, { method: 'POST', path: `/${B}/${key}`, query: { uploadId: UploadId! }, body: xml });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    expect((await getBytes(key)).data.toString()).toBe('two');
    // A retried Complete (its first answer lost) gets the same answer while the object is current.
    const retry = await rawRequest(ts.endpoint, { method: 'POST', path: `/${B}/${key}`, query: { uploadId: UploadId! }, body: xml });
    expect([retry.status, retry.body]).toEqual([200, ok.body]);
    const again = await s3Err(s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: key, UploadId })));
    expect([again.name, again.$metadata.httpStatusCode]).toEqual(['NoSuchUpload', 404]);
  });

  test('UploadPart checksums in aws-chunked trailers: SDK stream bodies pass, a wrong trailer is BadDigest and keeps the old part', async () => {
    const key = 'trailers';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'CRC32' }));
    const data = randomBytes(2 * MIB + 5);
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
      })(),
    );
    const r = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 1, Body: stream, ContentLength: data.length, ChecksumAlgorithm: 'CRC32' }),
    );
    expect(r.ChecksumCRC32).toBe(checksum('CRC32', data).toString('base64'));
    const crc = (b: Buffer) => checksum('CRC32', b).toString('base64');
    const bad = Buffer.from('not what the trailer says');
    const chunked = Buffer.concat([
      Buffer.from(bad.length.toString(16) + '\r\n'),
      bad,
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${crc(Buffer.from('x'))}\r\n\r\n`),
    ]);
    const raw = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: `/${B}/${key}`,
      query: { partNumber: '1', uploadId: UploadId! },
      body: chunked,
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: {
        'Content-Encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(bad.length),
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'x-amz-sdk-checksum-algorithm': 'CRC32',
      },
    });
    expect([raw.status, /<Code>BadDigest<\/Code>/.test(raw.body)]).toEqual([400, true]);
    const parts = await s3.send(new ListPartsCommand({ Bucket: B, Key: key, UploadId }));
    expect(parts.Parts!.map((p) => [p.ETag, p.ChecksumCRC32])).toEqual([[r.ETag, r.ChecksumCRC32]]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: key, UploadId }));
  });

  test('abort releases everything the upload held (engine usage back to where it was)', async () => {
    await ts.server.engine.gc({ graceMs: 0 });
    const before = await ts.server.engine.usage();
    const { UploadId } = await multipartUpload('aborted', randomBytes(7 * MIB), 3 * MIB, 3).then(async (r) => r);
    expect((await ts.server.engine.usage()).chunks).toBeGreaterThan(before.chunks);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'aborted', UploadId }));
    await ts.server.engine.gc({ graceMs: 0 });
    expect(await ts.server.engine.usage()).toEqual(before);
    expect((await ts.server.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  test('full-object CRC32: the SDK validates the multipart object on GET', async () => {
    const data = randomBytes(11 * MIB + 3);
    const { UploadId, parts } = await multipartUpload(
      'crc-full',
      data,
      PART,
      2,
      { ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' },
      { ChecksumAlgorithm: 'CRC32' },
    );
    expect(parts[0].ChecksumCRC32).toBe(checksum('CRC32', data.subarray(0, PART)).toString('base64'));
    const whole = checksum('CRC32', data).toString('base64');
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'crc-full',
        UploadId,
        MultipartUpload: { Parts: parts },
        ChecksumType: 'FULL_OBJECT',
        ChecksumCRC32: whole,
      }),
    );
    expect(done.ChecksumCRC32).toBe(whole);
    expect(done.ChecksumType).toBe('FULL_OBJECT');
    const { data: got, out } = await getBytes('crc-full', { ChecksumMode: 'ENABLED' });
    expect(out.ChecksumCRC32).toBe(whole);
    expect(out.ChecksumType).toBe('FULL_OBJECT');
    expect(got.equals(data)).toBe(true);
    // S3 keeps no per-part checksum for a full-object upload: a part read reports none.
    const p1 = await getBytes('crc-full', { ChecksumMode: 'ENABLED', PartNumber: 1 });
    expect(p1.out.ChecksumCRC32).toBeUndefined();
    expect(p1.data.equals(data.subarray(0, PART))).toBe(true);
  });

  test('composite checksums: "<checksum of part checksums>-N"; the SDK skips validating it', async () => {
    const data = randomBytes(6 * MIB);
    const { UploadId, parts } = await multipartUpload('crc-comp', data, PART, 2, { ChecksumAlgorithm: 'SHA256' }, { ChecksumAlgorithm: 'SHA256' });
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'crc-comp', UploadId, MultipartUpload: { Parts: parts } }));
    const composite = checksum('SHA256', Buffer.concat([checksum('SHA256', data.subarray(0, PART)), checksum('SHA256', data.subarray(PART))])).toString(
      'base64',
    );
    expect(done.ChecksumSHA256).toBe(`${composite}-2`);
    expect(done.ChecksumType).toBe('COMPOSITE');
    const { data: got, out } = await getBytes('crc-comp', { ChecksumMode: 'ENABLED' });
    expect(out.ChecksumSHA256).toBe(`${composite}-2`);
    expect(got.equals(data)).toBe(true);
    // A partNumber read reports (and the SDK validates) that part's own checksum.
    const p2 = await getBytes('crc-comp', { ChecksumMode: 'ENABLED', PartNumber: 2 });
    expect([p2.out.ChecksumSHA256, p2.out.ChecksumType]).toEqual([checksum('SHA256', data.subarray(PART)).toString('base64'), 'COMPOSITE']);
    expect(p2.data.equals(data.subarray(PART))).toBe(true);
    // A part checksum that doesn't match what was stored is InvalidPart.
    const u = await multipartUpload('crc-comp2', data.subarray(0, 10), PART, 1, { ChecksumAlgorithm: 'SHA256' }, { ChecksumAlgorithm: 'SHA256' });
    const err = await s3Err(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: B,
          Key: 'crc-comp2',
          UploadId: u.UploadId,
          MultipartUpload: { Parts: [{ ...u.parts[0], ChecksumSHA256: composite }] },
        }),
      ),
    );
    expect(err.name).toBe('InvalidPart');
  });

  test('conditional complete (If-None-Match: *) and re-uploaded parts', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'cond', Body: 'existing' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'cond' }));
    await s3.send(new UploadPartCommand({ Bucket: B, Key: 'cond', UploadId, PartNumber: 1, Body: 'first try' }));
    const e = (await s3.send(new UploadPartCommand({ Bucket: B, Key: 'cond', UploadId, PartNumber: 1, Body: 'second try' }))).ETag!;
    const parts = { Parts: [{ PartNumber: 1, ETag: e }] };
    const err = await s3Err(s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'cond', UploadId, MultipartUpload: parts, IfNoneMatch: '*' })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'cond', UploadId, MultipartUpload: parts }));
    expect((await getBytes('cond')).data.toString()).toBe('second try');
    expect((await ts.server.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  test.each(NASTY_KEYS)('nasty key $name: create, upload, list (plain and url-encoded), complete, read', async ({ key }) => {
    const bucket = 'mpu-nasty';
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
    const { UploadId, Key } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    expect(Key).toBe(key);
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: key }));
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect([parts.Key, parts.Parts!.length]).toEqual([key, 1]);
    const plain = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(plain.Uploads!.map((u) => u.Key)).toEqual([key]);
    const encoded = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, EncodingType: 'url' }));
    expect(encoded.Uploads!.map((u) => decodeURIComponent(u.Key!.replace(/\+/g, ' ')))).toEqual([key]);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from(await out.Body!.transformToByteArray()).toString()).toBe(key);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  });

  test('versioned bucket: Complete returns a version id; UploadPartCopy from an older version', async () => {
    const bucket = 'mpu-versioned';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'first version' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'second version' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'dst' }));
    const cp = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'dst',
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/src?versionId=${v1.VersionId}`,
        CopySourceRange: 'bytes=0-4',
      }),
    );
    expect(cp.CopySourceVersionId).toBe(v1.VersionId);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'dst',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: cp.CopyPartResult!.ETag }] },
      }),
    );
    expect(done.VersionId).toMatch(/^[0-9a-f]{24}$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dst', VersionId: done.VersionId }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).toString()).toBe('first');
  });

  test('a bucket whose only content is an incomplete upload can be deleted', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu-gone' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu-gone', Key: 'k' }));
    await s3.send(new UploadPartCommand({ Bucket: 'mpu-gone', Key: 'k', UploadId, PartNumber: 1, Body: randomBytes(100) }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'mpu-gone' }));
    expect((await ts.server.engine.verifyRefcounts()).problems).toEqual([]);
  });
});
