/**
 * jest globalSetup when CAIRN_TEST_META=postgres: one throwaway PostgreSQL for the whole run
 * (pgCluster.ts); its URL reaches the test workers as CAIRN_TEST_PG_URL (helpers.ts openEngine).
 * An already running one can be given as CAIRN_TEST_PG_URL instead.
 */
import { startPgCluster } from './pgCluster';

export default async function setup(): Promise<void> {
  if (process.env.CAIRN_TEST_META !== 'postgres' || process.env.CAIRN_TEST_PG_URL) return;
  const pg = await startPgCluster();
  process.env.CAIRN_TEST_PG_URL = pg.url;
  (globalThis as { __cairnPg?: typeof pg }).__cairnPg = pg;
}
