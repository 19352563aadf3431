/** A webhook target: POST the event JSON; any 2xx is delivery, anything else (or 10 s silence) a failure. */
import http from 'node:http';
import https from 'node:https';
import type { NotificationTarget } from './target';
import { redactUrl } from './target';

const TIMEOUT_MS = 10_000;

export function webhookTarget(name: string, url: URL): NotificationTarget {
  const lib = url.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 32 });
  const auth = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  const target = new URL(url.href);
  target.username = '';
  target.password = '';
  return {
    name,
    displayUrl: redactUrl(url),
    send: (message) =>
      new Promise<void>((resolve, reject) => {
        const body = Buffer.from(message);
        const req = lib.request(
          target,
          { method: 'POST', agent, auth, timeout: TIMEOUT_MS, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
          (res) => {
            res.resume();
            res.on('end', () => {
              const s = res.statusCode ?? 0;
              if (s >= 200 && s < 300) resolve();
              else reject(new Error(`webhook ${name} answered ${s}`));
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`webhook ${name}: no answer within ${TIMEOUT_MS} ms`)));
        req.on('error', reject);
        req.end(body);
      }),
    close: async () => agent.destroy(),
  };
}
