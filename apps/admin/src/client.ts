/**
 * A small client for the admin API (used by `cairn admin ...` and the tests).
 */
import { adminToken } from './token';

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'AdminApiError';
  }
}

export class AdminClient {
  private readonly auth: string;

  constructor(
    private readonly endpoint: string,
    accessKeyId: string,
    secretAccessKey: string,
  ) {
    this.auth = `Bearer ${adminToken(accessKeyId, secretAccessKey)}`;
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.endpoint.replace(/\/+$/, '') + path, {
      method,
      headers: { Authorization: this.auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const err = (json.error ?? {}) as { code?: string; message?: string };
      throw new AdminApiError(res.status, err.code ?? 'Error', err.message ?? res.statusText);
    }
    return json as T;
  }

  listUsers() {
    return this.request('GET', '/admin/users');
  }
  createUser(input: { id: string; displayName?: string; email?: string; accessKey?: boolean }) {
    return this.request('POST', '/admin/users', input);
  }
  getUser(id: string) {
    return this.request('GET', `/admin/users/${encodeURIComponent(id)}`);
  }
  updateUser(id: string, update: { displayName?: string; email?: string | null }) {
    return this.request('PATCH', `/admin/users/${encodeURIComponent(id)}`, update);
  }
  deleteUser(id: string) {
    return this.request('DELETE', `/admin/users/${encodeURIComponent(id)}`);
  }
  suspendUser(id: string) {
    return this.request('POST', `/admin/users/${encodeURIComponent(id)}/suspend`);
  }
  reactivateUser(id: string) {
    return this.request('POST', `/admin/users/${encodeURIComponent(id)}/reactivate`);
  }
  listKeys(id: string) {
    return this.request('GET', `/admin/users/${encodeURIComponent(id)}/keys`);
  }
  createKey(id: string) {
    return this.request('POST', `/admin/users/${encodeURIComponent(id)}/keys`, {});
  }
  deleteKey(id: string, akid: string) {
    return this.request('DELETE', `/admin/users/${encodeURIComponent(id)}/keys/${encodeURIComponent(akid)}`);
  }
  rotateKey(id: string, akid: string) {
    return this.request('POST', `/admin/users/${encodeURIComponent(id)}/keys/${encodeURIComponent(akid)}/rotate`);
  }
  listBuckets() {
    return this.request('GET', '/admin/buckets');
  }
  usage() {
    return this.request('GET', '/admin/usage');
  }
  health() {
    return this.request('GET', '/admin/health');
  }
  workers() {
    return this.request('GET', '/admin/workers');
  }
  replication() {
    return this.request('GET', '/admin/replication');
  }
  replicationResync(bucket: string, peer?: string) {
    return this.request('POST', '/admin/replication/resync', { bucket, peer });
  }
  feed() {
    return this.request('GET', '/admin/feed');
  }
}
