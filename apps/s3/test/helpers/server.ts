/**
 * Starts the real Cairn server in-process on an ephemeral port with a temp data dir,
 * and builds AWS SDK v3 clients (default settings: checksums on) against it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server';
import { metaFor } from './testMeta';

export interface TestServer {
  server: RunningServer;
  endpoint: string;
  port: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A path-style client with the root credentials (or the given ones). */
  client(overrides?: Partial<S3ClientConfig> & { accessKeyId?: string; secretAccessKey?: string }): S3Client;
  stop(): Promise<void>;
}

export const ROOT_KEY = 'CAIRNROOTTESTKEY0001';
export const ROOT_SECRET = 'cairn-root-test-secret-0000000000000000';

export async function startTestServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'cairn-test-')));
  // CAIRN_TEST_META=postgres: metadata in the run's PostgreSQL, one schema per data dir (testMeta.ts).
  const meta = metaFor(dataDir);
  const server = await startServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    fsync: false,
    quiet: true,
    rootAccessKeyId: ROOT_KEY,
    rootSecretAccessKey: ROOT_SECRET,
    ...(meta ? { meta } : {}),
    ...opts,
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const clients: S3Client[] = [];
  return {
    server,
    endpoint,
    port: server.port,
    dataDir,
    accessKeyId: ROOT_KEY,
    secretAccessKey: ROOT_SECRET,
    client(o = {}) {
      const { accessKeyId = ROOT_KEY, secretAccessKey = ROOT_SECRET, ...rest } = o;
      const c = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
        ...rest,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await server.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
