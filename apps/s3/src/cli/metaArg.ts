/** The `--meta URL` flag of `cairn serve`, `cairn fsck` and `cairn worker` (PostgreSQL metadata). */

/** `--meta`: a postgres:// URL (checked here so a typo is a usage error, not a start failure). */
export function parseMetaFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v))
    throw new Error(`--meta: expected postgres://USER[:PASS]@HOST:PORT/DB, got ${v.replace(/:[^:@/]*@/, ':***@')}`);
  return v;
}
