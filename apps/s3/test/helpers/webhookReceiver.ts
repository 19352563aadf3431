/**
 * A webhook receiver for notification tests: a real node http server on 127.0.0.1 that records
 * every POSTed event message. `status` sets what it answers (e.g. 503 = "target down"),
 * `stop()` / `start()` close and reopen it on the same port (connection refused meanwhile).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRecord {
  eventName: string;
  s3: {
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
  [k: string]: unknown;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Records of accepted (2xx) posts, in arrival order. */
  records: ReceivedRecord[];
  /** Posts answered with a non-2xx status. */
  refused: number;
  status: number;
  /** Answer each post this many ms late (a slow target). */
  delayMs: number;
  /** Resolves once `n` records were accepted (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedRecord[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  let server: http.Server | undefined;
  const r: WebhookReceiver = {
    url: '',
    port,
    records: [],
    refused: 0,
    status: 200,
    delayMs: 0,
    async waitFor(n, ms = 20_000) {
      const end = Date.now() + ms;
      while (r.records.length < n) {
        if (Date.now() > end) throw new Error(`webhook: ${r.records.length} of ${n} records after ${ms} ms`);
        await new Promise((res) => setTimeout(res, 20));
      }
      return r.records;
    },
    async start() {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          if (r.delayMs) await new Promise((res) => setTimeout(res, r.delayMs));
          if (r.status < 200 || r.status >= 300) {
            r.refused++;
            res.writeHead(r.status).end();
            return;
          }
          const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records: ReceivedRecord[] };
          r.records.push(...msg.Records);
          res.writeHead(r.status).end();
        });
      });
      await new Promise<void>((resolve) => server!.listen(r.port, '127.0.0.1', resolve));
      r.port = (server.address() as AddressInfo).port;
      r.url = `http://127.0.0.1:${r.port}/events`;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  };
  await r.start();
  return r;
}

/** Records grouped by key, each list in arrival order. */
export function byKey(records: ReceivedRecord[]): Map<string, ReceivedRecord[]> {
  const m = new Map<string, ReceivedRecord[]>();
  for (const rec of records) {
    const k = rec.s3.object.key;
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(rec);
  }
  return m;
}
