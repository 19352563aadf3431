/**
 * Which metadata backend the suites run on. `CAIRN_TEST_META=postgres` (npm test's second jest
 * run) puts every test server's metadata in a throwaway PostgreSQL started once per run
 * (jest.config.js globalSetup, engine test/pgCluster.ts; its URL arrives as CAIRN_TEST_PG_URL),
 * one fresh schema per data directory: a server restarted on the same directory (in-process or
 * as a `cairn` child process) finds its metadata again, as it would in DIR/meta on LevelDB.
 */
import * as path from 'node:path';
import { freshSchemaUrl, startPgCluster, type PgCluster } from '../../../../packages/engine/test/pgCluster';

export const onPostgres = process.env.CAIRN_TEST_META === 'postgres';

const schemas = new Map<string, string>();

/** The `--meta` URL for a data directory on the PostgreSQL run; undefined on LevelDB. */
export function metaFor(dataDir: string): string | undefined {
  if (!onPostgres) return undefined;
  const url = process.env.CAIRN_TEST_PG_URL;
  if (!url) throw new Error('CAIRN_TEST_META=postgres without CAIRN_TEST_PG_URL (jest.config.js globalSetup starts one)');
  const dir = path.resolve(dataDir);
  let meta = schemas.get(dir);
  if (!meta) schemas.set(dir, (meta = freshSchemaUrl(url)));
  return meta;
}

/** `cairn` arguments with `--meta` added on the PostgreSQL run (when they name a --data and no --meta). */
export function withMeta(args: string[]): string[] {
  const i = args.indexOf('--data');
  if (!onPostgres || i < 0 || i + 1 >= args.length || args.includes('--meta')) return args;
  return [...args, '--meta', metaFor(args[i + 1])!];
}

/** `test` on LevelDB, `test.skip` on PostgreSQL: for what only exists on LevelDB (say why at the call). */
export const levelOnlyTest: jest.It = onPostgres ? test.skip : test;

/**
 * For suites that need PostgreSQL on both passes (several gateways over one database): the run's
 * cluster on the PostgreSQL pass, else one of the suite's own, started in beforeAll and stopped in
 * afterAll. Call at the top of the suite (or a describe); the result gives the URL in tests.
 */
export function suitePostgres(): () => string {
  let pg: PgCluster | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    if (process.env.CAIRN_TEST_PG_URL) url = process.env.CAIRN_TEST_PG_URL;
    else {
      pg = await startPgCluster();
      url = pg.url;
    }
  }, 90_000);
  afterAll(async () => {
    await pg?.stop();
  });
  return () => {
    if (!url) throw new Error('suitePostgres: PostgreSQL is not up yet (use the URL inside tests)');
    return url;
  };
}
