/**
 * An HTTP proxy in front of a real S3 service (another Cairn) that can misbehave per request:
 * answer 503, reset the connection, hang, cut a response body short, or delay. A real socket
 * between the server under test and its chunk store, so store outages are what the AWS SDK and
 * the engine really see (no mock of either). Requests are forwarded unchanged (Host included),
 * so SigV4 signatures made for the proxy's address verify at the target.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** 503 SlowDown with an S3 XML error body. */
  | 'unavailable'
  /** The connection is destroyed before any answer. */
  | 'reset'
  /** Never answered (until the proxy closes). */
  | 'hang'
  /** Forwarded, but the response body is cut off after half its bytes (connection destroyed). */
  | 'cut'
  /** Forwarded after a pause. */
  | { delayMs: number };

export interface FaultProxy {
  endpoint: string;
  /** Decides for each request (method, path incl. query); undefined forwards it. Replace freely. */
  fault: (method: string, url: string) => Fault | undefined;
  /** Requests by method currently being answered, and the most seen at once. */
  inFlight: Record<string, number>;
  maxInFlight: Record<string, number>;
  /** Requests seen, by method. */
  seen: Record<string, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    endpoint: '',
    fault: () => undefined,
    inFlight: {},
    maxInFlight: {},
    seen: {},
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    proxy.seen[method] = (proxy.seen[method] ?? 0) + 1;
    proxy.inFlight[method] = (proxy.inFlight[method] ?? 0) + 1;
    proxy.maxInFlight[method] = Math.max(proxy.maxInFlight[method] ?? 0, proxy.inFlight[method]);
    let counted = true;
    const done = (): void => {
      if (counted) proxy.inFlight[method]--;
      counted = false;
    };
    res.on('close', done);
    const fault = proxy.fault(method, req.url ?? '/');
    if (fault === 'hang') return;
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'unavailable') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      return void res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    }
    const forward = (): void => {
      const up = http.request({ host: t.hostname, port: t.port, method, path: req.url, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (fault !== 'cut') return void ur.pipe(res);
        const total = Number(ur.headers['content-length'] ?? 0);
        let sent = 0;
        ur.on('data', (d: Buffer) => {
          if (sent >= total / 2) return;
          const part = d.subarray(0, Math.max(0, Math.ceil(total / 2) - sent));
          sent += part.length;
          res.write(part);
          if (sent >= total / 2) {
            ur.destroy();
            setTimeout(() => res.socket?.destroy(), 20); // let the bytes out, then drop the connection
          }
        });
      });
      up.on('error', () => res.socket?.destroy());
      req.pipe(up);
    };
    if (typeof fault === 'object') setTimeout(forward, fault.delayMs);
    else forward();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
