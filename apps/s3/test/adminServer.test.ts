/**
 * `cairn serve --admin-port`: the admin API in the same process as S3, and its effect on S3
 * requests (a suspended user's requests fail with UserSuspended), plus the `cairn admin` client.
 */
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { AdminClient } from '@cairn/admin';
import { adminMain } from '../src/cli/adminCli';
import { parseServeArgs } from '../src/cli';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';
import { rawRequest } from './helpers/rawRequest';

describe('admin API served with the S3 server', () => {
  let t: TestServer;
  let admin: AdminClient;

  beforeAll(async () => {
    t = await startTestServer({ adminPort: 0 });
    admin = new AdminClient(t.server.adminEndpoint!, ROOT_KEY, ROOT_SECRET);
  });
  afterAll(() => t.stop());

  it('parses --admin-port', () => {
    expect(parseServeArgs(['--admin-port', '9001']).adminPort).toBe(9001);
    expect(parseServeArgs([]).adminPort).toBeUndefined();
    expect(() => parseServeArgs(['--admin-port', 'x'])).toThrow(/admin-port/);
  });

  it('runs on its own port and refuses anonymous callers', async () => {
    expect(t.server.adminPort).toBeGreaterThan(0);
    expect(t.server.adminPort).not.toBe(t.port);
    const anon = await fetch(`${t.server.adminEndpoint}/admin/users`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ error: { code: 'Unauthorized' } });
    // the S3 port does not serve the admin API
    expect((await rawRequest(t.endpoint, { path: '/admin/users' })).status).not.toBe(200);
  });

  it('a created user can use S3; suspended, its requests fail with UserSuspended; reactivated, they work again', async () => {
    const created = (await admin.createUser({ id: 'suzy', displayName: 'Suzy' })) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    const { accessKeyId, secretAccessKey } = created.accessKey;
    const s3 = t.client({ accessKeyId, secretAccessKey });
    await s3.send(new CreateBucketCommand({ Bucket: 'suzys-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'suzys-bucket', Key: 'k', Body: 'v' }));

    await admin.suspendUser('suzy');
    const err = (await s3.send(new ListBucketsCommand({})).catch((e: unknown) => e)) as S3ServiceException;
    expect(err).toBeInstanceOf(S3ServiceException);
    expect(err.name).toBe('UserSuspended');
    expect(err.$metadata.httpStatusCode).toBe(403);
    const raw = await rawRequest(t.endpoint, { path: '/suzys-bucket/k', accessKeyId, secretAccessKey });
    expect(raw.status).toBe(403);
    expect(raw.body).toContain('<Code>UserSuspended</Code>');
    const presigned = await rawRequest(t.endpoint, { path: '/suzys-bucket/k', accessKeyId, secretAccessKey, auth: 'presign' });
    expect(presigned.body).toContain('<Code>UserSuspended</Code>');

    await admin.reactivateUser('suzy');
    await s3.send(new ListBucketsCommand({}));

    // keys: a rotated key stops working at once; the new one works
    const rotated = (await admin.rotateKey('suzy', accessKeyId)) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    const old = (await s3.send(new ListBucketsCommand({})).catch((e: unknown) => e)) as S3ServiceException;
    expect(old.name).toBe('InvalidAccessKeyId');
    const fresh = t.client({ accessKeyId: rotated.accessKey.accessKeyId, secretAccessKey: rotated.accessKey.secretAccessKey });
    expect((await fresh.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['suzys-bucket']);

    const buckets = (await admin.listBuckets()) as { buckets: { name: string; owner: string }[] };
    expect(buckets.buckets).toContainEqual(expect.objectContaining({ name: 'suzys-bucket', owner: 'suzy' }));
    await expect(admin.deleteUser('suzy')).rejects.toMatchObject({ status: 409, code: 'DeleteConflict' });
  });

  it('`cairn admin` talks to it with the root credentials', async () => {
    let out = '';
    const argv = ['--endpoint', t.server.adminEndpoint!, '--access-key-id', ROOT_KEY, '--secret-access-key', ROOT_SECRET];
    await adminMain([...argv, 'users', 'create', 'cli-user', '--display-name', 'From CLI'], (s) => (out += s));
    const created = JSON.parse(out);
    expect(created.user).toMatchObject({ id: 'cli-user', displayName: 'From CLI' });
    expect(created.accessKey.secretAccessKey).toHaveLength(40);
    out = '';
    await adminMain([...argv, 'users', 'list'], (s) => (out += s));
    expect(JSON.parse(out).users.map((u: { id: string }) => u.id)).toContain('cli-user');
    out = '';
    await adminMain([...argv, 'keys', 'list', 'cli-user'], (s) => (out += s));
    expect(JSON.parse(out).accessKeys).toHaveLength(1);
    expect(out).not.toContain(created.accessKey.secretAccessKey);
    out = '';
    await adminMain([...argv, 'usage'], (s) => (out += s));
    expect(JSON.parse(out).store).toHaveProperty('dedupRatio');
    await adminMain([...argv, 'users', 'delete', 'cli-user'], () => undefined);
    await expect(
      adminMain([...argv.slice(0, 2), '--access-key-id', ROOT_KEY, '--secret-access-key', 'wrong', 'users', 'list'], () => undefined),
    ).rejects.toMatchObject({ status: 401 });
  });
});
