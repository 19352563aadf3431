/** Two-zone test helpers: free ports (zones must know each other's port before starting), peer URLs, polling. */
import * as net from 'node:net';
import { ROOT_KEY, ROOT_SECRET } from './server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export const peerUrl = (port: number, key = ROOT_KEY, secret = ROOT_SECRET): string =>
  `http://${encodeURIComponent(key)}:${encodeURIComponent(secret)}@127.0.0.1:${port}`;

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
