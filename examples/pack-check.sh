#!/usr/bin/env bash
# Proves the published @cairn/engine works on its own: packs packages/engine (after its build),
# installs the tarball into a fresh project outside the monorepo, and there
#   - runs examples/embed.mjs (ESM import),
#   - require()s the package from CommonJS and opens/closes an engine,
#   - type-checks a TypeScript consumer against the shipped .d.ts (NodeNext resolution).
# Usage: examples/pack-check.sh   (from anywhere; needs the engine built: npm run build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-embed-check-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

[ -f "$ROOT/packages/engine/dist/index.js" ] || { echo "embed-check: build the engine first (npm run build)" >&2; exit 1; }
TARBALL="$(cd "$ROOT/packages/engine" && npm pack --silent --pack-destination "$WORK")"
echo "embed-check: packed $TARBALL"

mkdir "$WORK/app"
cd "$WORK/app"
cat > package.json <<'JSON'
{ "name": "embed-check-app", "version": "1.0.0", "private": true, "type": "module" }
JSON
npm install --no-audit --no-fund --silent "$WORK/$TARBALL"
cp "$ROOT/examples/embed.mjs" .

echo "embed-check: ESM (examples/embed.mjs)"
node embed.mjs

echo "embed-check: CommonJS"
cat > cjs.cjs <<'JS'
const { Engine, ROOT_USER_ID } = require('@cairn/engine');
const { mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cjs-'));
  const engine = await Engine.open({ dataDir: dir });
  await engine.createBucket('cjs-bucket', { owner: ROOT_USER_ID });
  const { buckets } = await engine.listBuckets(ROOT_USER_ID);
  if (buckets.length !== 1 || buckets[0].name !== 'cjs-bucket') throw new Error('CJS: listBuckets');
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  console.log('ok - CommonJS require, open, createBucket, listBuckets, close');
})().catch((e) => { console.error(e); process.exit(1); });
JS
node cjs.cjs

echo "embed-check: TypeScript types"
cat > consumer.ts <<'TS'
import { Engine, isS3Error, type ObjectMeta, type ListObjectsResult, type S3ErrorCode } from '@cairn/engine';
export async function firstKey(engine: Engine, bucket: string): Promise<string | undefined> {
  const page: ListObjectsResult = await engine.listObjects(bucket, { maxKeys: 1 });
  const meta: ObjectMeta | undefined = page.objects[0];
  return meta?.key;
}
export function codeOf(e: unknown): S3ErrorCode | undefined {
  return isS3Error(e) ? e.code : undefined;
}
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext",
  "target": "ES2022", "noEmit": true, "skipLibCheck": false, "types": [] }, "files": ["consumer.ts"] }
JSON
# The consumer's node types come from the monorepo's @types/node (the package ships its own .d.ts).
mkdir -p node_modules/@types && ln -s "$ROOT/node_modules/@types/node" node_modules/@types/node
sed -i 's/"types": \[\]/"types": ["node"]/' tsconfig.json
node "$ROOT/node_modules/typescript/bin/tsc" -p tsconfig.json
echo "ok - TypeScript consumer type-checks against the packed .d.ts"
echo "embed-check: PASS"
