/**
 * `cairn` as an operator runs it: a child process, with signals, exit codes and what it prints.
 *
 * - crash policy: an error escaping the request path (injected by a test-only `--require`
 *   preload, test/fixtures/injectEscapedError.js) is logged with the request id and counted on
 *   /-/health/live, and the process keeps serving;
 * - first start on a port in use: the root secret is not generated (so not lost); the next start
 *   prints it;
 * - shutdown: SIGTERM drains at most --shutdown-grace, a second signal exits at once;
 * - `npx cairn serve` signalled through npm leaves no orphaned server;
 * - --help everywhere; one clear line for an unreachable admin API, an unwritable data
 *   directory, a path through a file, a store held by another server.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { rawRequest, listedKeys, prepareRawRequest } from './helpers/rawRequest';
import { ROOT_KEY, ROOT_SECRET } from './helpers/server';
import { runCli, spawnServer, type ServerProcess } from './helpers/serverProcess';
import { levelOnlyTest } from './helpers/testMeta';

const KEYS = { CAIRN_ACCESS_KEY_ID: ROOT_KEY, CAIRN_SECRET_ACCESS_KEY: ROOT_SECRET };
const NO_KEYS = { CAIRN_ACCESS_KEY_ID: '', CAIRN_SECRET_ACCESS_KEY: '' };
const ROOT = path.join(__dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-proc-'));
  dirs.push(d);
  return d;
}
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function serve(args: string[], env: NodeJS.ProcessEnv = KEYS, nodeArgs?: string[]): Promise<ServerProcess> {
  const s = await spawnServer(args, env, { nodeArgs });
  servers.push(s);
  return s;
}

async function liveCount(endpoint: string): Promise<number> {
  const r = await rawRequest(endpoint, { method: 'GET', path: '/-/health/live', auth: 'none' });
  expect(r.status).toBe(200);
  return JSON.parse(r.body).escapedErrors;
}

/** A PUT whose body trickles in (1 KiB every 50 ms of a declared 10 MiB): in flight until cut. */
function slowUpload(port: number, endpoint: string, key: string): { closed: Promise<string>; stop(): void } {
  const prep = prepareRawRequest(endpoint, {
    method: 'PUT',
    path: `/slow/${key}`,
    headers: { 'content-length': String(10 * 1024 * 1024) },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const sock = net.connect({ port, host: '127.0.0.1' });
  let head = `PUT ${prep.fullPath} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(prep.headers)) head += `${k}: ${v}\r\n`;
  sock.write(head + '\r\n');
  const timer = setInterval(() => sock.write(Buffer.alloc(1024, 1)), 50);
  let got = '';
  sock.on('data', (d) => (got += d));
  const closed = new Promise<string>((resolve) => {
    sock.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
    sock.on('error', () => undefined);
  });
  return { closed, stop: () => sock.destroy() };
}

describe('crash policy: escaped errors are logged with the request id, counted, and the server keeps serving', () => {
  test('an uncaught exception and an unhandled rejection from inside a request', async () => {
    const s = await serve(['--data', tempDir(), '--port', '0', '--fsync', 'false', '--quiet', '--trace-requests'], KEYS, [
      '--require',
      path.join(__dirname, 'fixtures', 'injectEscapedError.js'),
    ]);
    expect(await liveCount(s.endpoint)).toBe(0);
    const a = await rawRequest(s.endpoint, { method: 'GET', path: '/', query: 'escape-test=throw' });
    const b = await rawRequest(s.endpoint, { method: 'GET', path: '/', query: 'escape-test=reject' });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await sleep(200);
    expect(s.child.exitCode).toBeNull();
    expect(await liveCount(s.endpoint)).toBe(2);
    const logged = s
      .stderr()
      .split('\n')
      .filter((l) => l.includes('escaped error'))
      .map((l) => JSON.parse(l));
    expect(logged.map((l) => [l.msg, l.requestId])).toEqual([
      ['escaped error (uncaughtException)', a.headers['x-amz-request-id']],
      ['escaped error (unhandledRejection)', b.headers['x-amz-request-id']],
    ]);
    expect(logged[0].error).toContain('injected uncaught exception');
    // Still serving: a write and a read.
    expect((await rawRequest(s.endpoint, { method: 'PUT', path: '/after' })).status).toBe(200);
    expect((await rawRequest(s.endpoint, { method: 'PUT', path: '/after/k', body: 'still here' })).status).toBe(200);
    expect((await rawRequest(s.endpoint, { method: 'GET', path: '/after/k' })).body).toBe('still here');
  });
});

describe('root secret on first start', () => {
  test('a port in use fails the start before any key is generated; the next start prints the new secret', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const data = path.join(tempDir(), 'store');
    const failed = await runCli(['serve', '--data', data, '--port', String(port)], { env: { ...process.env, ...NO_KEYS } });
    blocker.close();
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toEqual([
      `cairn: port ${port} on 127.0.0.1 is already in use (another server running?): stop it or choose --port`,
    ]);
    expect(fs.existsSync(data)).toBe(false); // nothing stored: no secret to lose

    const s = await serve(['--data', data, '--port', '0', '--quiet'], NO_KEYS);
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(s.stderr())?.[1];
    const akid = /AWS_ACCESS_KEY_ID=(\S+)/.exec(s.stderr())?.[1];
    expect(secret).toBeDefined();
    expect((await rawRequest(s.endpoint, { method: 'PUT', path: '/printed', accessKeyId: akid, secretAccessKey: secret })).status).toBe(200);
  });
});

describe('shutdown', () => {
  test('SIGTERM drains for at most --shutdown-grace, then cuts a slow upload; nothing of it is stored', async () => {
    const data = tempDir();
    const s = await serve(['--data', data, '--port', '0', '--fsync', 'false', '--quiet', '--shutdown-grace', '2']);
    expect((await rawRequest(s.endpoint, { method: 'PUT', path: '/slow' })).status).toBe(200);
    const up = slowUpload(s.port, s.endpoint, 'drip');
    await sleep(300);
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const { code } = await s.exited;
    const took = Date.now() - t0;
    up.stop();
    expect(code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(6000);
    expect(s.stderr()).toContain('SIGTERM: finishing in-flight requests (at most 2 s)');

    const again = await serve(['--data', data, '--port', '0', '--fsync', 'false', '--quiet']);
    const list = await rawRequest(again.endpoint, { method: 'GET', path: '/slow', query: 'list-type=2' });
    expect(list.status).toBe(200);
    expect(listedKeys(list.body)).toEqual([]);
  });

  test('a second SIGTERM exits at once', async () => {
    const s = await serve(['--data', tempDir(), '--port', '0', '--fsync', 'false', '--quiet']); // grace 30 s
    expect((await rawRequest(s.endpoint, { method: 'PUT', path: '/slow' })).status).toBe(200);
    const up = slowUpload(s.port, s.endpoint, 'drip');
    await sleep(300);
    s.child.kill('SIGTERM');
    await sleep(1500); // past the window in which a repeat counts as the same signal relayed twice
    expect(s.child.exitCode).toBeNull(); // still draining the upload
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const { code } = await s.exited;
    up.stop();
    expect(code).toBe(143);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(s.stderr()).toContain('SIGTERM again: exiting now');
  });

  test('`npx cairn serve` signalled through npm leaves no orphaned server', async () => {
    const dist = path.join(ROOT, 'apps', 's3', 'dist', 'cli.js');
    if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: build first (npm test builds it)`);
    const data = tempDir();
    const npx = spawn('npx', ['--no-install', 'cairn', 'serve', '--data', data, '--port', '0', '--quiet'], {
      cwd: ROOT,
      env: { ...process.env, ...KEYS },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    npx.stderr.on('data', (d) => (stderr += d));
    const endpoint = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`npx cairn serve did not start: ${stderr}`)), 30_000);
      npx.stderr.on('data', () => {
        const m = /serving S3 on (http:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    expect((await rawRequest(endpoint, { method: 'GET', path: '/-/health/live', auth: 'none' })).status).toBe(200);
    const npxExited = new Promise((r) => npx.on('exit', r));
    npx.kill('SIGTERM');
    await npxExited;
    // The server (a grandchild of npx) must follow within a few seconds, not live on.
    let answering = true;
    for (let i = 0; i < 40 && answering; i++) {
      await sleep(250);
      answering = (await rawRequest(endpoint, { method: 'GET', path: '/-/health/live', auth: 'none', timeoutMs: 1000 })).status === 200;
    }
    expect(answering).toBe(false);
    const holders = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(data);
        } catch {
          return false;
        }
      });
    expect(holders).toEqual([]);
  }, 60_000);
});

describe('CLI: --help everywhere, one clear line per failure', () => {
  const HELP = [
    ['--help'],
    ['-h'],
    ['serve', '--help'],
    ['serve', '-h'],
    ['fsck', '--help'],
    ['admin', '--help'],
    ['admin', '-h'],
    ['admin', 'users', '--help'],
    ['admin', 'keys', 'create', '--help'],
    ['admin', 'users', 'list', '-h'],
  ];
  test.each(HELP.map((a) => [a.join(' '), a] as const))('cairn %s prints usage and exits 0', async (_title, args) => {
    const r = await runCli([...args], { env: { ...process.env, ...NO_KEYS } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage: cairn/);
  });

  function oneLine(r: { code: number | null; stderr: string }): string {
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return lines[0];
  }

  test('cairn admin without a reachable admin API', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await runCli(['admin', 'users', 'list', '--endpoint', `http://127.0.0.1:${port}`], { env: { ...process.env, ...KEYS } });
    expect(oneLine(r)).toMatch(new RegExp(`^cairn: cannot reach the admin API at http://127\\.0\\.0\\.1:${port}.*running`));
  });

  test('a data directory the server may not write', async () => {
    const parent = tempDir();
    fs.chmodSync(parent, 0o555);
    const asRoot = process.getuid?.() === 0;
    // root ignores permissions: run the CLI as nobody then
    const r = await runCli(['serve', '--data', path.join(parent, 'store'), '--port', '0'], {
      env: { ...process.env, ...KEYS },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(oneLine(r)).toBe(
      `cairn: data directory ${path.join(parent, 'store')} is not writable (permission denied on ${path.join(parent, 'store')}): fix its permissions or choose --data`,
    );
  });

  test('a data directory path running through a file', async () => {
    const file = path.join(tempDir(), 'plain-file');
    fs.writeFileSync(file, 'x');
    const r = await runCli(['serve', '--data', path.join(file, 'store'), '--port', '0'], { env: { ...process.env, ...KEYS } });
    expect(oneLine(r)).toBe(`cairn: data directory ${path.join(file, 'store')} cannot be used: ${path.join(file, 'store')} is a file, not a directory`);
  });

  // LevelDB only: on PostgreSQL several servers sharing one store is the point (gateways.test.ts).
  levelOnlyTest('a store held by another running server', async () => {
    const data = tempDir();
    await serve(['--data', data, '--port', '0', '--quiet']);
    const r = await runCli(['serve', '--data', data, '--port', '0'], { env: { ...process.env, ...KEYS } });
    expect(oneLine(r)).toBe(
      `cairn: the store in ${data} is in use by another running cairn server (its meta/LOCK is held): stop that server or use another --data`,
    );
  });
});
