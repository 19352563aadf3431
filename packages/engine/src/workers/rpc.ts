/**
 * The server's internal RPC: lets a worker running as its own process (`cairn worker lifecycle
 * --data DIR`) drive the engine of the `cairn serve` that owns DIR (LevelDB admits one process).
 *
 * Transport: a unix socket `DIR/cairn.sock`, mode 0600 (only the store's owner may connect: the
 * socket is as powerful as the data directory). Protocol: one JSON object per line.
 *   request  { "id": 1, "method": "lifecycleScan", "params": [...] }
 *   response { "id": 1, "result": ... } | { "id": 1, "error": { "code": "NoSuchBucket", "message": "..." } }
 * Only WORKER_API_METHODS are callable. The client reconnects on the next call after the server
 * went away (restart), so a worker rides through a server restart on its own retries.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3Error, invalidRequest } from '../errors';
import { WORKER_API_METHODS, type WorkerEngineApi } from './api';

export const RPC_SOCKET_NAME = 'cairn.sock';
export const rpcSocketPath = (dataDir: string): string => path.join(dataDir, RPC_SOCKET_NAME);
/** Longest request line accepted (scan pages are responses; requests are small). */
const MAX_LINE = 1024 * 1024;

interface Request {
  id: number;
  method: string;
  params: unknown[];
}

function lines(socket: net.Socket, onLine: (line: string) => void): void {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line) onLine(line);
    }
  });
}

export class RpcServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly api: WorkerEngineApi,
    readonly socketPath: string,
  ) {
    const allowed = new Set<string>(WORKER_API_METHODS);
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      lines(socket, (line) => {
        if (line.length > MAX_LINE) return socket.destroy();
        let req: Request;
        try {
          req = JSON.parse(line) as Request;
        } catch {
          return socket.destroy();
        }
        const call = async (): Promise<unknown> => {
          if (!allowed.has(req.method) || !Array.isArray(req.params)) throw invalidRequest(`unknown RPC method ${String(req.method)}`);
          const fn = (this.api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[req.method];
          return fn.apply(this.api, req.params);
        };
        call().then(
          (result) => socket.write(JSON.stringify({ id: req.id, result: result ?? null }) + '\n'),
          (e: unknown) =>
            socket.write(
              JSON.stringify({ id: req.id, error: { code: e instanceof S3Error ? e.code : 'InternalError', message: (e as Error)?.message ?? String(e) } }) +
                '\n',
            ),
        );
      });
    });
  }

  /** Listens on DIR/cairn.sock (a stale socket file of a dead server is replaced). */
  static async listen(api: WorkerEngineApi, dataDir: string): Promise<RpcServer> {
    const p = rpcSocketPath(dataDir);
    // The caller owns the store's LevelDB lock, so no live server can be behind an existing file.
    await fs.promises.rm(p, { force: true });
    const s = new RpcServer(api, p);
    const old = process.umask(0o177); // created 0600: no window where others could connect
    try {
      await new Promise<void>((resolve, reject) => {
        s.server.once('error', reject);
        s.server.listen(p, () => {
          s.server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(old);
    }
    await fs.promises.chmod(p, 0o600);
    return s;
  }

  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await done;
    await fs.promises.rm(this.socketPath, { force: true });
  }
}

/** WorkerEngineApi over the socket. */
export class RpcClient implements WorkerEngineApi {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

  constructor(readonly socketPath: string) {}

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(this.socketPath);
      s.once('connect', () => {
        this.socket = s;
        this.connecting = undefined;
        resolve(s);
      });
      s.once('error', (e) => {
        this.connecting = undefined;
        reject(new S3Error('ServiceUnavailable', `cannot reach the server at ${this.socketPath}: ${e.message}`));
      });
      s.on('close', () => {
        if (this.socket === s) this.socket = undefined;
        for (const [, p] of this.pending) p.reject(new S3Error('ServiceUnavailable', 'the server closed the connection'));
        this.pending.clear();
      });
      lines(s, (line) => {
        const msg = JSON.parse(line) as { id: number; result?: unknown; error?: { code: string; message: string } };
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new S3Error(msg.error.code as never, msg.error.message));
        else p.resolve(msg.result === null ? undefined : msg.result);
      });
    });
    return this.connecting;
  }

  private async call<T>(method: string, ...params: unknown[]): Promise<T> {
    const s = await this.connect();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      s.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  workerInfo: WorkerEngineApi['workerInfo'] = () => this.call('workerInfo');
  listLifecycleBuckets: WorkerEngineApi['listLifecycleBuckets'] = () => this.call('listLifecycleBuckets');
  lifecycleScan: WorkerEngineApi['lifecycleScan'] = (bucket, after, limit) => this.call('lifecycleScan', bucket, after ?? null, limit);
  lifecycleUploads: WorkerEngineApi['lifecycleUploads'] = (bucket, after, limit) => this.call('lifecycleUploads', bucket, after ?? null, limit);
  lifecycleApply: WorkerEngineApi['lifecycleApply'] = (action) => this.call('lifecycleApply', action);
  claimLease: WorkerEngineApi['claimLease'] = (name, owner, ttl) => this.call('claimLease', name, owner, ttl);
  renewLease: WorkerEngineApi['renewLease'] = (name, owner, ttl) => this.call('renewLease', name, owner, ttl);
  releaseLease: WorkerEngineApi['releaseLease'] = (name, owner) => this.call('releaseLease', name, owner);
  getWorkerState: WorkerEngineApi['getWorkerState'] = (worker, sub) => this.call('getWorkerState', worker, sub);
  putWorkerState: WorkerEngineApi['putWorkerState'] = (worker, sub, value) => this.call('putWorkerState', worker, sub, value ?? null);
  putWorkerStatus: WorkerEngineApi['putWorkerStatus'] = (status) => this.call('putWorkerStatus', status);
  registerFeedConsumer: WorkerEngineApi['registerFeedConsumer'] = (name, opts) => this.call('registerFeedConsumer', name, opts ?? {});
  readFeed: WorkerEngineApi['readFeed'] = (name, opts) => this.call('readFeed', name, opts ?? {});
  ackFeed: WorkerEngineApi['ackFeed'] = (name, seq) => this.call('ackFeed', name, seq);
  notificationBucket: WorkerEngineApi['notificationBucket'] = (bucket) => this.call('notificationBucket', bucket);
}
