import { Readable } from 'node:stream';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '@cairn/engine';
import { AdminApiError, AdminClient, adminToken, createAdminApp } from '../src';

const ROOT_KEY = 'ADMINTESTROOTKEY0001';
const ROOT_SECRET = 'admin-test-root-secret-000000000000000';

describe('admin API', () => {
  let dir: string;
  let engine: Engine;
  let server: http.Server;
  let endpoint: string;
  let root: AdminClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-admin-'));
    engine = await Engine.open({ dataDir: dir, fsync: false });
    await engine.ensureRootUser({ accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET });
    server = http.createServer(createAdminApp(engine, { rootAccessKeyId: ROOT_KEY, rootSecretAccessKey: ROOT_SECRET }).callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    root = new AdminClient(endpoint, ROOT_KEY, ROOT_SECRET);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
    const res = await fetch(endpoint + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  it('refuses anonymous, malformed, wrong and non-root callers on every route', async () => {
    const { accessKey } = await engine.createUser({ id: 'mallory' }, { withAccessKey: true });
    const routes: [string, string][] = [
      ['GET', '/admin/health'],
      ['GET', '/admin/users'],
      ['POST', '/admin/users'],
      ['GET', '/admin/users/root'],
      ['PATCH', '/admin/users/root'],
      ['DELETE', '/admin/users/mallory'],
      ['POST', '/admin/users/mallory/suspend'],
      ['POST', '/admin/users/mallory/reactivate'],
      ['GET', '/admin/users/mallory/keys'],
      ['POST', '/admin/users/mallory/keys'],
      ['DELETE', `/admin/users/mallory/keys/${accessKey!.accessKeyId}`],
      ['POST', `/admin/users/mallory/keys/${accessKey!.accessKeyId}/rotate`],
      ['GET', '/admin/buckets'],
      ['GET', '/admin/usage'],
    ];
    const wrongSecret = adminToken(ROOT_KEY, 'not-the-secret');
    const nonRoot = adminToken(accessKey!.accessKeyId, accessKey!.secretAccessKey);
    for (const [method, path] of routes) {
      const anon = await raw(method, path);
      expect([method, path, anon.status, anon.json.error.code]).toEqual([method, path, 401, 'Unauthorized']);
      expect(anon.headers.get('www-authenticate')).toContain('Bearer');
      expect((await raw(method, path, { Authorization: `Bearer ${wrongSecret}` })).status).toBe(401);
      expect((await raw(method, path, { Authorization: 'Bearer garbage' })).status).toBe(401);
      // the raw root secret is not a token
      expect((await raw(method, path, { Authorization: `Bearer ${ROOT_SECRET}` })).status).toBe(401);
      // an S3 signature is not accepted either
      expect(
        (
          await raw(method, path, {
            Authorization: `AWS4-HMAC-SHA256 Credential=${ROOT_KEY}/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00`,
          })
        ).status,
      ).toBe(401);
      const r = await raw(method, path, { Authorization: `Bearer ${nonRoot}` });
      expect([path, r.status, r.json.error.code]).toEqual([path, 403, 'AccessDenied']);
    }
    // nothing changed
    expect((await engine.getUser('mallory'))!.suspended).toBeUndefined();
    expect(await engine.listAccessKeys('mallory')).toHaveLength(1);
    await engine.deleteUser('mallory');
  });

  it('manages users and keys', async () => {
    expect(await root.health()).toMatchObject({ status: 'ok' });
    const created = (await root.createUser({ id: 'alice', displayName: 'Alice', email: 'alice@example.com' })) as {
      user: { id: string };
      accessKey: { accessKeyId: string; secretAccessKey: string };
    };
    expect(created.user).toMatchObject({ id: 'alice', displayName: 'Alice', email: 'alice@example.com', suspended: false });
    expect(created.accessKey.secretAccessKey).toHaveLength(40);
    await expect(root.createUser({ id: 'alice' })).rejects.toMatchObject({ status: 409, code: 'EntityAlreadyExists' });
    await expect(root.createUser({ id: '' })).rejects.toMatchObject({ status: 400 });
    const listed = (await root.listUsers()) as { users: { id: string }[] };
    expect(listed.users.map((u) => u.id)).toEqual(['alice', 'root']);

    const got = (await root.getUser('alice')) as { accessKeys: Record<string, unknown>[] };
    expect(got.accessKeys).toEqual([{ accessKeyId: created.accessKey.accessKeyId, userId: 'alice', createdAt: expect.any(String) }]);
    expect(JSON.stringify(got)).not.toContain(created.accessKey.secretAccessKey);
    await expect(root.getUser('nobody')).rejects.toMatchObject({ status: 404, code: 'NoSuchEntity' });

    const updated = (await root.updateUser('alice', { displayName: 'Alice A', email: null })) as { user: Record<string, unknown> };
    expect(updated.user).toMatchObject({ displayName: 'Alice A' });
    expect(updated.user).not.toHaveProperty('email');
    const badPatch = await raw(
      'PATCH',
      '/admin/users/alice',
      { Authorization: `Bearer ${adminToken(ROOT_KEY, ROOT_SECRET)}`, 'Content-Type': 'application/json' },
      '{"id":"x"}',
    );
    expect(badPatch.status).toBe(400);
    const badJson = await raw('POST', '/admin/users', { Authorization: `Bearer ${adminToken(ROOT_KEY, ROOT_SECRET)}` }, '{nope');
    expect(badJson).toMatchObject({ status: 400, json: { error: { code: 'MalformedJSON' } } });

    expect(await root.suspendUser('alice')).toMatchObject({ user: { suspended: true } });
    expect((await engine.lookupAccessKey(created.accessKey.accessKeyId))!.user.suspended).toBe(true);
    // a suspended user's valid token is refused as well
    const asAlice = await raw('GET', '/admin/health', {
      Authorization: `Bearer ${adminToken(created.accessKey.accessKeyId, created.accessKey.secretAccessKey)}`,
    });
    expect(asAlice.status).toBe(403);
    expect(await root.reactivateUser('alice')).toMatchObject({ user: { suspended: false } });
    await expect(root.suspendUser('root')).rejects.toMatchObject({ status: 400 });

    const k2 = ((await root.createKey('alice')) as { accessKey: { accessKeyId: string; secretAccessKey: string } }).accessKey;
    expect(((await root.listKeys('alice')) as { accessKeys: unknown[] }).accessKeys).toHaveLength(2);
    const rotated = ((await root.rotateKey('alice', k2.accessKeyId)) as { accessKey: { accessKeyId: string; secretAccessKey: string } }).accessKey;
    expect(await engine.lookupAccessKey(k2.accessKeyId)).toBeUndefined();
    expect((await engine.lookupAccessKey(rotated.accessKeyId))!.secretAccessKey).toBe(rotated.secretAccessKey);
    await root.deleteKey('alice', rotated.accessKeyId);
    await expect(root.deleteKey('alice', rotated.accessKeyId)).rejects.toMatchObject({ status: 404 });
    await expect(root.rotateKey('root', ROOT_KEY)).rejects.toMatchObject({ status: 400 });

    await engine.createBucket('alices-bucket', { owner: 'alice' });
    expect(await root.listBuckets()).toEqual({ buckets: [{ name: 'alices-bucket', owner: 'alice', createdAt: expect.any(String), region: 'us-east-1' }] });
    await expect(root.deleteUser('alice')).rejects.toMatchObject({ status: 409, code: 'DeleteConflict' });
    await engine.deleteBucket('alices-bucket');
    await root.deleteUser('alice');
    await expect(root.getUser('alice')).rejects.toBeInstanceOf(AdminApiError);
    expect(await engine.lookupAccessKey(created.accessKey.accessKeyId)).toBeUndefined();
  });

  it('reports usage with the dedup ratio and per-account charges', async () => {
    await engine.createBucket('usage-bucket', { owner: 'root' });
    const body = Buffer.alloc(64 * 1024, 7);
    await engine.putObject('usage-bucket', 'a', Readable.from([body]), { owner: 'root' });
    await engine.putObject('usage-bucket', 'b', Readable.from([body]), { owner: 'root' });
    engine.recordUsage({ userId: 'payer', bytesOut: 100, requesterPays: true });
    const u = (await root.usage()) as { store: { logicalBytes: number; physicalBytes: number; dedupRatio: number }; accounts: unknown[] };
    expect(u.store.logicalBytes).toBe(2 * body.length);
    expect(u.store.physicalBytes).toBe(body.length);
    expect(u.store.dedupRatio).toBe(2);
    expect(u.accounts).toContainEqual({ userId: 'payer', requests: 1, bytesIn: 0, bytesOut: 100, requesterPaysRequests: 1, requesterPaysBytes: 100 });
    expect((await raw('GET', '/admin/nothing', { Authorization: `Bearer ${adminToken(ROOT_KEY, ROOT_SECRET)}` })).status).toBe(404);
  });
});
