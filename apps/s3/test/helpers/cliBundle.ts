/**
 * The real `cairn` command for tests that spawn it: src/cli.ts bundled with esbuild, every
 * @cairn/* workspace resolved to its source (so no prior build is needed), other packages external.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

export async function bundleCli(name: string): Promise<string> {
  const workspaces = new Map<string, string>();
  for (const group of ['packages', 'apps', 'tools']) {
    for (const d of fs.readdirSync(path.join(ROOT, group))) {
      const pj = path.join(ROOT, group, d, 'package.json');
      if (fs.existsSync(pj)) workspaces.set(JSON.parse(fs.readFileSync(pj, 'utf8')).name, path.join(ROOT, group, d, 'src', 'index.ts'));
    }
  }
  const plugin: Plugin = {
    name: 'workspaces-from-source',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const ws = workspaces.get(args.path);
        return ws ? { path: ws } : { path: args.path, external: true };
      });
    },
  };
  const dir = path.join(ROOT, 'node_modules', '.cache', 'cairn-s3-cli');
  await fs.promises.mkdir(dir, { recursive: true });
  const out = path.join(dir, `${name}-${process.pid}.js`);
  await build({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: out,
    plugins: [plugin],
    logLevel: 'silent',
  });
  return out;
}
