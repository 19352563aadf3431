/**
 * Zone replication between two real Cairn servers on loopback (zones "a" and "b"), driven with
 * the AWS SDK: PutBucketReplication's validation, a version reaching the peer with the same
 * version id / bytes / ETag (multipart too) / metadata / tags / Last-Modified and
 * x-amz-replication-status, delete markers, a peer stopped and restarted (backlog visible in
 * the admin API), two-way rules (no loop, convergence), resync, and replication lag.
 * The SIGKILL of a source is in replicationCrash.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketReplicationCommand,
  DeleteObjectCommand,
  GetBucketReplicationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ReplicationConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AdminClient } from '@cairn/admin';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';
import { freePort, waitFor } from './helpers/zones';
import { runCli } from './helpers/serverProcess';
import { parsePeerArg } from '../src/replication/peers';

async function expectS3Error(p: Promise<unknown>, code: string, status: number): Promise<void> {
  const e = await s3Err(p);
  expect({ code: e.name, status: e.$metadata?.httpStatusCode }).toEqual({ code, status });
}

jest.setTimeout(120_000);

async function headOrUndefined(c: S3Client, bucket: string, key: string, versionId?: string) {
  try {
    return await c.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  } catch {
    return undefined;
  }
}

async function versioned(c: S3Client, bucket: string): Promise<void> {
  await c.send(new CreateBucketCommand({ Bucket: bucket }));
  await c.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

const rule = (over: Partial<NonNullable<ReplicationConfiguration['Rules']>[number]> = {}, dest = 'data') => ({
  ID: 'all',
  Priority: 1,
  Status: 'Enabled' as const,
  Filter: { Prefix: '' },
  DeleteMarkerReplication: { Status: 'Enabled' as const },
  Destination: { Bucket: `arn:aws:s3:::${dest}` },
  ...over,
});

const ROLE = 'arn:aws:iam::000000000000:role/cairn-replication';

async function allVersions(c: S3Client, bucket: string): Promise<{ key: string; versionId: string; latest: boolean; marker: boolean }[]> {
  const r = await c.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [
    ...(r.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, latest: !!v.IsLatest, marker: false })),
    ...(r.DeleteMarkers ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, latest: !!v.IsLatest, marker: true })),
  ].sort((x, y) => (x.key + x.versionId < y.key + y.versionId ? -1 : 1));
}

describe('zone replication: one way a → b', () => {
  let b: TestServer;
  let a: TestServer;
  let ca: S3Client;
  let cb: S3Client;
  let bPort: number;
  let bDir: string;
  let admin: AdminClient;

  beforeAll(async () => {
    bPort = await freePort();
    bDir = await mkdtemp(join(tmpdir(), 'cairn-zone-b-'));
    b = await startTestServer({ port: bPort, dataDir: bDir, zone: 'b' });
    a = await startTestServer({
      zone: 'a',
      peers: [{ name: 'b', endpoint: `http://127.0.0.1:${bPort}`, accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET }],
      adminPort: 0,
      workerLeaseTtlMs: 2000,
    });
    ca = a.client();
    cb = b.client();
    admin = new AdminClient(a.server.adminEndpoint!, ROOT_KEY, ROOT_SECRET);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await rm(bDir, { recursive: true, force: true });
  });

  test('PutBucketReplication validates as S3 does', async () => {
    await ca.send(new CreateBucketCommand({ Bucket: 'data' }));
    const cfg: ReplicationConfiguration = { Role: ROLE, Rules: [rule()] };
    // versioning must be Enabled on the source
    await expectS3Error(ca.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: cfg })), 'InvalidRequest', 400);
    await expectS3Error(ca.send(new GetBucketReplicationCommand({ Bucket: 'data' })), 'ReplicationConfigurationNotFoundError', 404);
    await ca.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    // the destination must exist in the peer zone, versioned
    await expectS3Error(ca.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: cfg })), 'InvalidRequest', 400);
    await cb.send(new CreateBucketCommand({ Bucket: 'data' }));
    await expectS3Error(ca.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: cfg })), 'InvalidRequest', 400);
    await cb.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    // a zone without peers has nowhere to replicate to
    await expectS3Error(cb.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: cfg })), 'InvalidRequest', 400);
    // rule checks
    await expectS3Error(
      ca.send(
        new PutBucketReplicationCommand({
          Bucket: 'data',
          ReplicationConfiguration: { Role: ROLE, Rules: [rule({ Filter: { Tag: { Key: 'k', Value: 'v' } } })] },
        }),
      ),
      'InvalidRequest',
      400,
    );
    await expectS3Error(
      ca.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: { Role: ROLE, Rules: [rule(), rule({ ID: 'two' })] } })),
      'InvalidRequest',
      400,
    ); // same priority, same destination
    await expectS3Error(
      ca.send(
        new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: { Role: ROLE, Rules: [rule({ Destination: { Bucket: 'data' } })] } }),
      ),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      ca.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: { Role: ROLE, Rules: [rule(), rule({ ID: 'all', Priority: 2 })] } })),
      'InvalidArgument',
      400,
    );

    await ca.send(new PutBucketReplicationCommand({ Bucket: 'data', ReplicationConfiguration: { Role: ROLE, Rules: [rule({ Filter: { Prefix: 'r/' } })] } }));
    const got = await ca.send(new GetBucketReplicationCommand({ Bucket: 'data' }));
    expect(got.ReplicationConfiguration?.Role).toBe(ROLE);
    expect(got.ReplicationConfiguration?.Rules).toEqual([
      {
        ID: 'all',
        Priority: 1,
        Status: 'Enabled',
        Filter: { Prefix: 'r/' },
        DeleteMarkerReplication: { Status: 'Enabled' },
        Destination: { Bucket: 'arn:aws:s3:::data' },
      },
    ]);
    // versioning cannot be suspended while a configuration is there
    await expectS3Error(
      ca.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Suspended' } })),
      'InvalidBucketState',
      409,
    );
  });

  test('a new version reaches the peer with the same id, bytes, ETag, metadata, tags and Last-Modified', async () => {
    const body = Buffer.from('hello from zone a '.repeat(1000));
    const put = await ca.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'r/doc.txt',
        Body: body,
        ContentType: 'text/x-cairn',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="doc.txt"',
        Metadata: { colour: 'blue', n: '42' },
        Tagging: 'team=storage&tier=gold',
      }),
    );
    const onB = await waitFor('the replica on b', () => headOrUndefined(cb, 'data', 'r/doc.txt'));
    const onA = await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: 'r/doc.txt' }));
    expect(onB.VersionId).toBe(put.VersionId);
    expect(onB.ETag).toBe(put.ETag);
    expect(onB.ReplicationStatus).toBe('REPLICA');
    expect(onB.ContentType).toBe('text/x-cairn');
    expect(onB.CacheControl).toBe('max-age=60');
    expect(onB.ContentDisposition).toBe('attachment; filename="doc.txt"');
    expect(onB.Metadata).toEqual({ colour: 'blue', n: '42' });
    expect(onB.LastModified).toEqual(onA.LastModified);
    const got = await cb.send(new GetObjectCommand({ Bucket: 'data', Key: 'r/doc.txt' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect((await cb.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'r/doc.txt' }))).TagSet).toEqual([
      { Key: 'team', Value: 'storage' },
      { Key: 'tier', Value: 'gold' },
    ]);
    // the source goes PENDING → COMPLETED
    await waitFor('COMPLETED on a', async () => (await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: 'r/doc.txt' }))).ReplicationStatus === 'COMPLETED');
    const getA = await ca.send(new GetObjectCommand({ Bucket: 'data', Key: 'r/doc.txt' }));
    expect(getA.ReplicationStatus).toBe('COMPLETED');
    await getA.Body!.transformToByteArray();
    // outside the rule's prefix: no status, not replicated
    await ca.send(new PutObjectCommand({ Bucket: 'data', Key: 'local.txt', Body: 'x' }));
    expect((await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: 'local.txt' }))).ReplicationStatus).toBeUndefined();
    await waitFor(
      'the backlog to drain',
      async () => ((await admin.replication()) as { peers: { backlog: { count: number } }[] }).peers[0].backlog.count === 0,
    );
    expect(await headOrUndefined(cb, 'data', 'local.txt')).toBeUndefined();
  });

  test('multipart: the replica keeps the multipart ETag, parts and bytes', async () => {
    const part1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const part2 = Buffer.from('tail of the upload');
    const up = await ca.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'r/big.bin', Metadata: { kind: 'mp' } }));
    const p1 = await ca.send(new UploadPartCommand({ Bucket: 'data', Key: 'r/big.bin', UploadId: up.UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await ca.send(new UploadPartCommand({ Bucket: 'data', Key: 'r/big.bin', UploadId: up.UploadId, PartNumber: 2, Body: part2 }));
    const done = await ca.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'data',
        Key: 'r/big.bin',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const onB = await waitFor('the multipart replica', () => headOrUndefined(cb, 'data', 'r/big.bin'));
    expect(onB.ETag).toBe(done.ETag);
    expect(onB.VersionId).toBe(done.VersionId);
    expect(onB.Metadata).toEqual({ kind: 'mp' });
    const part = await cb.send(new HeadObjectCommand({ Bucket: 'data', Key: 'r/big.bin', PartNumber: 2 }));
    expect(part.PartsCount).toBe(2);
    expect(part.ContentLength).toBe(part2.length);
    const got = await cb.send(new GetObjectCommand({ Bucket: 'data', Key: 'r/big.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256')
        .update(Buffer.concat([part1, part2]))
        .digest('hex'),
    );
  });

  test('delete markers replicate; deletes of a specific version do not', async () => {
    const v1 = await ca.send(new PutObjectCommand({ Bucket: 'data', Key: 'r/gone.txt', Body: 'one' }));
    const v2 = await ca.send(new PutObjectCommand({ Bucket: 'data', Key: 'r/gone.txt', Body: 'two' }));
    await waitFor('both versions on b', async () => (await allVersions(cb, 'data')).filter((v) => v.key === 'r/gone.txt').length === 2);
    const del = await ca.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'r/gone.txt' }));
    expect(del.DeleteMarker).toBe(true);
    await waitFor('the delete marker on b', async () =>
      (await allVersions(cb, 'data')).some((v) => v.key === 'r/gone.txt' && v.marker && v.latest && v.versionId === del.VersionId),
    );
    // a version-specific delete stays local
    await ca.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'r/gone.txt', VersionId: v1.VersionId }));
    await ca.send(new PutObjectCommand({ Bucket: 'data', Key: 'r/after.txt', Body: 'later' }));
    await waitFor('a later write on b', () => headOrUndefined(cb, 'data', 'r/after.txt'));
    const onB = (await allVersions(cb, 'data')).filter((v) => v.key === 'r/gone.txt');
    expect(onB.map((v) => v.versionId).sort()).toEqual([v1.VersionId, v2.VersionId, del.VersionId].sort());
  });

  test('a peer that was down receives what it missed; the backlog is visible meanwhile; resync re-queues what it lacks', async () => {
    await b.stop();
    const sent: { key: string; versionId: string; etag: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await ca.send(new PutObjectCommand({ Bucket: 'data', Key: `r/offline-${i}`, Body: `body ${i}` }));
      sent.push({ key: `r/offline-${i}`, versionId: r.VersionId!, etag: r.ETag! });
    }
    const status = (await admin.replication()) as {
      zone: string;
      peers: { peer: string; backlog: { count: number; bytes: number; oldestSeconds: number }; retries: number }[];
    };
    expect(status.zone).toBe('a');
    expect(status.peers[0].peer).toBe('b');
    expect(status.peers[0].backlog.count).toBe(20);
    expect(status.peers[0].backlog.bytes).toBe(sent.reduce((n, _s, i) => n + `body ${i}`.length, 0));
    expect(status.peers[0].backlog.oldestSeconds).toBeGreaterThanOrEqual(0);
    expect((await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: 'r/offline-0' }))).ReplicationStatus).toBe('PENDING');
    // metrics: cairn_worker_backlog{worker="replication:b"}
    const samples = await a.server.metrics.workers();
    expect(samples.find((s) => s.worker === 'replication:b')?.backlog).toBe(20);

    b = await startTestServer({ port: bPort, dataDir: bDir, zone: 'b' });
    cb = b.client();
    for (const s of sent) {
      const h = await waitFor(`${s.key} on b`, () => headOrUndefined(cb, 'data', s.key), 30_000);
      expect(h.VersionId).toBe(s.versionId);
      expect(h.ETag).toBe(s.etag);
    }
    await waitFor(
      'the backlog to drain',
      async () => ((await admin.replication()) as { peers: { backlog: { count: number } }[] }).peers[0].backlog.count === 0,
    );

    // resync: a version removed on b (version-specific deletes don't replicate) comes back
    await cb.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'r/offline-3', VersionId: sent[3].versionId }));
    expect(await headOrUndefined(cb, 'data', 'r/offline-3')).toBeUndefined();
    // through the CLI: cairn admin replication resync BUCKET
    const run = await runCli(
      ['admin', '--endpoint', a.server.adminEndpoint!, '--access-key-id', ROOT_KEY, '--secret-access-key', ROOT_SECRET, 'replication', 'resync', 'data'],
      { timeoutMs: 60_000 },
    );
    expect(run.code).toBe(0);
    const rs = JSON.parse(run.stdout) as { peers: { peer: string; missing: number; queued: number }[] };
    expect(rs.peers).toEqual([expect.objectContaining({ peer: 'b', queued: 1 })]);
    const back = await waitFor('the resynced version', () => headOrUndefined(cb, 'data', 'r/offline-3'));
    expect(back.VersionId).toBe(sent[3].versionId);
  });

  test('replication lag on this machine (write on a → visible on b), 200 objects', async () => {
    const lags: number[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `r/lag-${i}`;
      await ca.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: `lag ${i}` }));
      const t0 = performance.now();
      await waitFor(key, () => headOrUndefined(cb, 'data', key), 30_000, 2);
      lags.push(performance.now() - t0);
    }
    lags.sort((x, y) => x - y);
    const p = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))];
    process.stderr.write(
      `replication lag a → b over ${lags.length} objects: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${lags[lags.length - 1].toFixed(1)} ms\n`,
    );
    expect(p(0.5)).toBeLessThan(1000);
  });

  test('DeleteBucketReplication removes the configuration', async () => {
    await ca.send(new DeleteBucketReplicationCommand({ Bucket: 'data' }));
    await expectS3Error(ca.send(new GetBucketReplicationCommand({ Bucket: 'data' })), 'ReplicationConfigurationNotFoundError', 404);
    await ca.send(new PutObjectCommand({ Bucket: 'data', Key: 'r/unreplicated', Body: 'x' }));
    expect((await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: 'r/unreplicated' }))).ReplicationStatus).toBeUndefined();
  });
});

describe('zone replication: two-way rules', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const peer = (name: string, port: number) => ({ name, endpoint: `http://127.0.0.1:${port}`, accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET });
    a = await startTestServer({ port: pa, zone: 'a', peers: [peer('b', pb)] });
    b = await startTestServer({ port: pb, zone: 'b', peers: [peer('a', pa)] });
    const [ca, cb] = [a.client(), b.client()];
    await versioned(ca, 'shared');
    await versioned(cb, 'shared');
    const cfg = { Role: ROLE, Rules: [rule({}, 'shared')] };
    await ca.send(new PutBucketReplicationCommand({ Bucket: 'shared', ReplicationConfiguration: cfg }));
    await cb.send(new PutBucketReplicationCommand({ Bucket: 'shared', ReplicationConfiguration: cfg }));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('writes on both sides replicate once, never loop, and converge on the same latest version', async () => {
    const [ca, cb] = [a.client(), b.client()];
    const fromA = await ca.send(new PutObjectCommand({ Bucket: 'shared', Key: 'from-a', Body: 'a' }));
    const fromB = await cb.send(new PutObjectCommand({ Bucket: 'shared', Key: 'from-b', Body: 'b' }));
    // the same key written in both zones at (nearly) the same time
    const [wa, wb] = await Promise.all([
      ca.send(new PutObjectCommand({ Bucket: 'shared', Key: 'both', Body: 'written in a' })),
      cb.send(new PutObjectCommand({ Bucket: 'shared', Key: 'both', Body: 'written in b' })),
    ]);
    expect(wa.VersionId).not.toBe(wb.VersionId);
    await waitFor('four versions in each zone', async () => (await allVersions(ca, 'shared')).length === 4 && (await allVersions(cb, 'shared')).length === 4);
    expect((await cb.send(new HeadObjectCommand({ Bucket: 'shared', Key: 'from-a' }))).VersionId).toBe(fromA.VersionId);
    expect((await ca.send(new HeadObjectCommand({ Bucket: 'shared', Key: 'from-b' }))).VersionId).toBe(fromB.VersionId);
    expect((await cb.send(new HeadObjectCommand({ Bucket: 'shared', Key: 'from-a' }))).ReplicationStatus).toBe('REPLICA');
    // no loop: nothing else appears, and the originals end COMPLETED
    await waitFor(
      'COMPLETED originals',
      async () => (await ca.send(new HeadObjectCommand({ Bucket: 'shared', Key: 'from-a' }))).ReplicationStatus === 'COMPLETED',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const [va, vb] = [await allVersions(ca, 'shared'), await allVersions(cb, 'shared')];
    expect(va).toHaveLength(4);
    expect(va).toEqual(vb);
    const latestA = await ca.send(new GetObjectCommand({ Bucket: 'shared', Key: 'both' }));
    const latestB = await cb.send(new GetObjectCommand({ Bucket: 'shared', Key: 'both' }));
    expect(latestA.VersionId).toBe(latestB.VersionId);
    expect(await latestA.Body!.transformToString()).toBe(await latestB.Body!.transformToString());
    // the newer write wins: version ids sort newest first (smaller = newer), the same in both zones
    const expected = [wa.VersionId!, wb.VersionId!].sort()[0];
    expect(latestA.VersionId).toBe(expected);
  });
});

describe('zone replication: the peer decides who may replicate', () => {
  let a: TestServer;
  let b: TestServer;

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('a peer user without s3:ReplicateObject: FAILED; granted, then resync: COMPLETED', async () => {
    b = await startTestServer({ zone: 'b' });
    const cb = b.client();
    await versioned(cb, 'guarded');
    const { accessKey } = await b.server.engine.createUser({ id: 'replicator' }, { withAccessKey: true });
    const policy = (actions: string[]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'replicator' }, Action: ['s3:GetBucketVersioning', 's3:ListBucketVersions'], Resource: 'arn:aws:s3:::guarded' },
          ...(actions.length ? [{ Effect: 'Allow', Principal: { AWS: 'replicator' }, Action: actions, Resource: 'arn:aws:s3:::guarded/*' }] : []),
        ],
      });
    await cb.send(new PutBucketPolicyCommand({ Bucket: 'guarded', Policy: policy([]) }));
    a = await startTestServer({
      zone: 'a',
      peers: [{ name: 'b', endpoint: b.endpoint, accessKeyId: accessKey!.accessKeyId, secretAccessKey: accessKey!.secretAccessKey }],
      adminPort: 0,
    });
    const ca = a.client();
    await versioned(ca, 'guarded');
    await ca.send(new PutBucketReplicationCommand({ Bucket: 'guarded', ReplicationConfiguration: { Role: ROLE, Rules: [rule({}, 'guarded')] } }));
    const put = await ca.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'k', Body: 'v' }));
    await waitFor('FAILED on a', async () => (await ca.send(new HeadObjectCommand({ Bucket: 'guarded', Key: 'k' }))).ReplicationStatus === 'FAILED');
    expect(await headOrUndefined(cb, 'guarded', 'k')).toBeUndefined();

    await cb.send(new PutBucketPolicyCommand({ Bucket: 'guarded', Policy: policy(['s3:ReplicateObject', 's3:ReplicateDelete']) }));
    const admin = new AdminClient(a.server.adminEndpoint!, ROOT_KEY, ROOT_SECRET);
    expect(await admin.replicationResync('guarded', 'b')).toEqual({ bucket: 'guarded', peers: [{ peer: 'b', compared: 1, missing: 1, queued: 1 }] });
    await waitFor('COMPLETED on a', async () => (await ca.send(new HeadObjectCommand({ Bucket: 'guarded', Key: 'k' }))).ReplicationStatus === 'COMPLETED');
    expect((await cb.send(new HeadObjectCommand({ Bucket: 'guarded', Key: 'k' }))).VersionId).toBe(put.VersionId);
  });
});

test('--peer NAME=URL: percent-encoded credentials, no credentials in the endpoint', () => {
  expect(parsePeerArg('eu=http://AK%2F1:s%3Acr%40t%2Fx@10.0.0.2:9000')).toEqual({
    name: 'eu',
    endpoint: 'http://10.0.0.2:9000',
    accessKeyId: 'AK/1',
    secretAccessKey: 's:cr@t/x',
  });
  expect(parsePeerArg('eu=https://AK:SK@h:1?region=eu-west-1')).toMatchObject({ endpoint: 'https://h:1', region: 'eu-west-1' });
  expect(() => parsePeerArg('eu=http://h:1')).toThrow(/needs credentials/);
  expect(() => parsePeerArg('http://AK:SK@h:1')).toThrow(/NAME=/);
});
