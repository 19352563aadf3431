/** jest globalTeardown: stops the PostgreSQL pgGlobalSetup.ts started (if it started one). */
export default async function teardown(): Promise<void> {
  const pg = (globalThis as { __cairnPg?: { stop(): Promise<void> } }).__cairnPg;
  if (pg) await pg.stop();
}
