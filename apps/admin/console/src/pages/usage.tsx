/** Usage (logical vs physical bytes, dedup ratio, per account) and the background workers' queues (from the metrics). */
import { useEffect, useState } from 'preact/hooks';
import { api, formatBytes } from '../api';
import type { Session } from '../main';
import { ErrorBox } from './common';

interface Usage {
  store?: { buckets: number; objects: number; logicalBytes: number; physicalBytes: number; chunks: number; dedupRatio: number | null };
  own: { objects: number; logicalBytes: number };
  accounts: { userId: string; requests: number; bytesIn: number; bytesOut: number }[];
}

export function UsagePage({ session }: { session: Session }) {
  const [u, setU] = useState<Usage>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api<Usage>('GET', '/console/api/usage').then(setU, setError);
  }, []);
  return (
    <>
      <h1>Usage</h1>
      <ErrorBox error={error} />
      {u?.store && (
        <section class="card" aria-labelledby="store-usage">
          <h2 id="store-usage">Store</h2>
          <span class="stat">
            Logical bytes<b id="logical-bytes">{formatBytes(u.store.logicalBytes)}</b>
          </span>
          <span class="stat">
            Physical bytes<b>{formatBytes(u.store.physicalBytes)}</b>
          </span>
          <span class="stat">
            Dedup ratio<b>{u.store.dedupRatio === null ? '—' : `${u.store.dedupRatio.toFixed(2)}×`}</b>
          </span>
          <span class="stat">
            Objects<b>{u.store.objects}</b>
          </span>
          <span class="stat">
            Buckets<b>{u.store.buckets}</b>
          </span>
          <span class="stat">
            Chunks<b>{u.store.chunks}</b>
          </span>
        </section>
      )}
      {u && !session.root && (
        <section class="card" aria-labelledby="own-usage">
          <h2 id="own-usage">Your buckets</h2>
          <span class="stat">
            Logical bytes<b>{formatBytes(u.own.logicalBytes)}</b>
          </span>
          <span class="stat">
            Objects<b>{u.own.objects}</b>
          </span>
        </section>
      )}
      {u && (
        <>
          <h2>Requests charged per account</h2>
          <div class="table-wrap">
            <table aria-label="Usage per account">
              <thead>
                <tr>
                  <th>Account</th>
                  <th class="num">Requests</th>
                  <th class="num">Bytes in</th>
                  <th class="num">Bytes out</th>
                </tr>
              </thead>
              <tbody>
                {u.accounts.map((a) => (
                  <tr>
                    <td>{a.userId}</td>
                    <td class="num">{a.requests}</td>
                    <td class="num">{formatBytes(a.bytesIn)}</td>
                    <td class="num">{formatBytes(a.bytesOut)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}

interface Worker {
  worker: string;
  backlog: number;
  oldestSeconds: number;
  errors: number;
}

export function WorkersPage() {
  const [workers, setWorkers] = useState<Worker[]>();
  const [error, setError] = useState<unknown>();
  const load = () => api<{ workers: Worker[] }>('GET', '/console/api/workers').then((r) => setWorkers(r.workers), setError);
  useEffect(() => {
    void load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <>
      <h1>Workers and queues</h1>
      <p class="muted">
        The same figures as <code>cairn_worker_backlog</code>, <code>cairn_worker_oldest_seconds</code> and <code>cairn_worker_errors_total</code> on{' '}
        <a href="/metrics">/metrics</a>; refreshed every 5 s.
      </p>
      <ErrorBox error={error} />
      {workers && (
        <div class="table-wrap">
          <table aria-label="Workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th class="num">Backlog</th>
                <th class="num">Oldest item</th>
                <th class="num">Errors</th>
              </tr>
            </thead>
            <tbody>
              {workers.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    No background workers report to this server.
                  </td>
                </tr>
              )}
              {workers.map((w) => (
                <tr>
                  <td>{w.worker}</td>
                  <td class="num">{w.backlog}</td>
                  <td class="num">{w.oldestSeconds.toFixed(0)} s</td>
                  <td class="num">{w.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
