import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { MemoryLevel } from 'memory-level';
import { Engine } from '../src';
import type { EngineOptions } from '../src';
import { freshSchemaUrl } from './pgCluster';

export async function tempDir(): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-engine-'));
}

export interface TestEngine {
  engine: Engine;
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * An engine on a temp dir; memory-level metadata unless `onDisk`. With CAIRN_TEST_META=postgres
 * (jest.config.js) the metadata is in a fresh schema of the test PostgreSQL instead.
 */
export async function openEngine(opts: Partial<EngineOptions> & { onDisk?: boolean } = {}): Promise<TestEngine> {
  const dir = await tempDir();
  const { onDisk, ...rest } = opts;
  const pgUrl = process.env.CAIRN_TEST_PG_URL;
  const meta = !onDisk && !rest.db && pgUrl ? { meta: freshSchemaUrl(pgUrl) } : onDisk || rest.db ? {} : { db: new MemoryLevel() };
  const engine = await Engine.open({
    dataDir: dir,
    fsync: false,
    chunkSize: 16,
    ...meta,
    ...rest,
  });
  return {
    engine,
    dir,
    cleanup: async () => {
      await engine.close().catch(() => undefined);
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

export function body(data: string | Buffer, pieceSize = 7): Readable {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  async function* gen(): AsyncGenerator<Buffer> {
    for (let i = 0; i < buf.length; i += pieceSize) yield buf.subarray(i, i + pieceSize);
  }
  return Readable.from(gen());
}

export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >> 16;
  }
  return b;
}

export async function chunkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const root = path.join(dir, 'chunks');
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== 'tmp') await walk(path.join(d, e.name));
      } else out.push(e.name);
    }
  };
  await walk(root);
  return out.sort();
}
