/**
 * Stands in for wildcard DNS so real clients can use virtual-hosted addressing on a machine where
 * `<bucket>.s3.localhost` does not resolve (glibc resolves only `localhost` itself, and editing
 * /etc/hosts from a test would leave a machine-wide change behind).
 *
 * It is a plain HTTP forward proxy that clients reach through their ordinary proxy setting
 * (HTTP_PROXY for rclone/Go, proxy_host for s3cmd). It only "resolves": a request for
 * `http://<anything>.s3.localhost:<port>/...` is sent to 127.0.0.1:<port> with its method, path,
 * query, headers (Host included, so the signature and the server's routing see exactly what the
 * client sent) and body untouched. Requests for any other host or port get 502, so a client
 * that silently fell back to path style against 127.0.0.1 could not pass through it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VhostProxy {
  /** http://127.0.0.1:<port>, for HTTP_PROXY. */
  url: string;
  port: number;
  /** Host headers of the requests forwarded so far. */
  hosts: string[];
  close(): Promise<void>;
}

/** Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade']);

export async function startVhostProxy(domain: string, serverPort: number): Promise<VhostProxy> {
  const hosts: string[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const proxy = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form request target expected (this is a proxy)\n');
      return;
    }
    const name = target.hostname.toLowerCase();
    if (target.protocol !== 'http:' || Number(target.port) !== serverPort || !(name === domain || name.endsWith(`.${domain}`))) {
      res.writeHead(502).end(`this proxy only resolves *.${domain}:${serverPort}, not ${target.host}\n`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    hosts.push(String(req.headers.host));
    // the request line's path and query exactly as the client encoded them (no URL re-encoding)
    const slash = req.url!.indexOf('/', 'http://'.length);
    const path = slash === -1 ? '/' : req.url!.slice(slash);
    const upstream = http.request({ host: '127.0.0.1', port: serverPort, method: req.method, path, headers, agent }, (up) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(up.statusCode ?? 502, up.statusMessage, out);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
