import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RoundRobinClient } from '../src/roundRobinClient';
import { S3HttpClient } from '../src/client';
import { fillBody, makePool } from '../src/data';
import { pgUnavailable, startPgTarget, sumReaders } from '../src/gateways';
import type { TargetConfig } from '../src/targets';

/** A server that answers 200 and counts requests. */
async function counter(): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as AddressInfo).port, hits, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('several gateways (cairn-pg2)', () => {
  it('spreads requests round robin over the endpoints', async () => {
    const [a, b] = [await counter(), await counter()];
    const ep = (port: number) => ({ host: '127.0.0.1', port, accessKeyId: 'K', secretAccessKey: 'S' });
    const c = new RoundRobinClient([ep(a.port), ep(b.port)], 2);
    try {
      for (let i = 0; i < 5; i++) expect((await c.request({ method: 'GET', bucket: 'bkt', key: `k${i}` })).status).toBe(200);
      expect(a.hits).toEqual(['/bkt/k0', '/bkt/k2', '/bkt/k4']);
      expect(b.hits).toEqual(['/bkt/k1', '/bkt/k3']);
    } finally {
      c.close();
      await a.close();
      await b.close();
    }
  });

  it('sums RSS and CPU over the gateways that are still there', () => {
    const r = sumReaders([() => ({ rssBytes: 10, cpuSeconds: 1.5 }), () => undefined, () => ({ rssBytes: 5, cpuSeconds: 0.5 })]);
    expect(r()).toEqual({ rssBytes: 15, cpuSeconds: 2 });
    expect(sumReaders([() => undefined])()).toBeUndefined();
  });

  // Needs the built CLI (apps/s3/dist/cli.js) and PostgreSQL; says why when it does not run.
  const repoRoot = resolve(__dirname, '../../..');
  const cfg: TargetConfig = { repoRoot, benchEntry: '', listKeys: 10, keepData: false, cairnNodeArgs: [] };
  const why = !existsSync(resolve(repoRoot, 'apps/s3/dist/cli.js')) ? 'apps/s3/dist/cli.js not built' : pgUnavailable(cfg);
  if (why) console.log(`bench gateways: the cairn-pg2 start test does not run: ${why}`);
  (why ? it.skip : it)(
    'cairn-pg2 runs two gateways over one database and data dir: written through one, read through the other',
    async () => {
      const t = await startPgTarget('cairn-pg2', cfg);
      const [g0, g1] = t.endpoints!.map((e) => new S3HttpClient(e, 2));
      try {
        expect(t.pids).toHaveLength(2);
        expect(new Set(t.endpoints!.map((e) => e.port)).size).toBe(2);
        expect((await g0.request({ method: 'PUT', bucket: 'bench' })).status).toBe(200);
        const body = Buffer.alloc(300 * 1024); // chunked, not inline: the shared chunk directory too
        fillBody(makePool(), 7, 0, body, body.length);
        expect((await g0.request({ method: 'PUT', bucket: 'bench', key: 'k', body })).status).toBe(200);
        const got = await g1.request({ method: 'GET', bucket: 'bench', key: 'k', collect: true });
        expect(got.status).toBe(200);
        expect(got.body!.equals(body)).toBe(true);
      } finally {
        g0.close();
        g1.close();
        await t.stop();
      }
    },
    90_000,
  );
});
