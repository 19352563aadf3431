/**
 * A throwaway PostgreSQL for tests: `initdb` in a temp dir (as the `postgres` user when running
 * as root: PostgreSQL refuses to run as root), trust auth, listening on 127.0.0.1 on a free port,
 * its unix socket in the temp dir; `stop()` shuts it down and removes everything. Durability is
 * off (fsync, synchronous_commit): the tests check semantics, not crash safety of PostgreSQL.
 * Binaries: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin (Debian `postgresql`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  stop(): Promise<void>;
}

export function pgBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** `durable`: fsync and synchronous commit on (benchmarks: tools/bench cairn-pg targets); tests run without. */
export async function startPgCluster(opts: { durable?: boolean } = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found (install Debian `postgresql` or set PG_BIN)');
  const root = process.getuid?.() === 0;
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-pg-'));
  const data = path.join(dir, 'data');
  // As root: everything runs as `postgres`, which must own the directory.
  const as = async (cmd: string, args: string[]): Promise<void> => {
    const file = path.join(bin, cmd);
    if (root) await run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: dir });
    else await run(file, args, { cwd: dir });
  };
  if (root) await run('chown', ['-R', 'postgres:postgres', dir]);
  await fs.promises.chmod(dir, 0o700);
  try {
    await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=300',
    ];
    await as('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', settings.join(' '), 'start']);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        await fs.promises.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    const log = await fs.promises.readFile(path.join(dir, 'log'), 'utf8').catch(() => '');
    await fs.promises.rm(dir, { recursive: true, force: true });
    throw new Error(`starting PostgreSQL failed: ${(e as Error).message}\n${log}`, { cause: e });
  }
}

/** A fresh schema name: every test engine gets its own namespace in the one cluster. */
export function freshSchemaUrl(url: string): string {
  return `${url}?schema=t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}
