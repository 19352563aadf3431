#!/usr/bin/env node
// Fails (exit 1) when the relative imports under the given source folders form a cycle.
// Every import counts, `import type` and `export ... from` included: a type-only cycle still
// ties two layers together. Run by each workspace's `npm run lint`:
//   node ../../tools/checkCycles.mjs src
// Uses the TypeScript compiler's own import scanner (ts.preProcessFile), so dynamic
// `import()` and `require()` are seen too. Strongly connected components (Tarjan) are reported
// with one concrete cycle each.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const ts = require('typescript');

const roots = process.argv.slice(2);
if (roots.length === 0) {
  process.stderr.write('usage: checkCycles.mjs <src folder>...\n');
  process.exit(2);
}

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(full, out);
    } else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(path.resolve(full));
    }
  }
  return out;
}

const files = roots.flatMap((r) => walk(r, []));
const known = new Set(files);

// Resolves a relative specifier the way TypeScript's node resolution would for our sources.
function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec.replace(/\.(js|mjs|cjs)$/, ''));
  for (const candidate of [base + '.ts', base + '.mts', base + '.cts', path.join(base, 'index.ts'), base]) {
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

const edges = new Map();
for (const file of files) {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const targets = new Set();
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = resolve(file, ref.fileName);
    if (target) targets.add(target);
  }
  edges.set(file, [...targets]);
}

// Tarjan's strongly connected components.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function strongConnect(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)) {
    if (!idx.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v), idx.get(w)));
    }
  }
  if (low.get(v) === idx.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = component.length === 1 && edges.get(v).includes(v);
    if (component.length > 1 || selfLoop) components.push(component);
  }
}
for (const file of files) if (!idx.has(file)) strongConnect(file);

// One shortest cycle through the component's first file (BFS inside the component).
function oneCycle(component) {
  const inside = new Set(component);
  const start = component[component.length - 1];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of edges.get(v)) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const cycle = [v];
        for (let p = prev.get(v); p !== null; p = prev.get(p)) cycle.unshift(p);
        return [...cycle, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

const rel = (f) => path.relative(process.cwd(), f);
if (components.length === 0) {
  process.stdout.write(`checkCycles: no import cycles among ${files.length} files (${roots.join(', ')})\n`);
  process.exit(0);
}
for (const component of components) {
  process.stderr.write(`import cycle (${component.length} files): ${oneCycle(component).map(rel).join(' -> ')}\n`);
  if (process.env.CYCLES_VERBOSE) {
    const inside = new Set(component);
    for (const v of component) for (const w of edges.get(v)) if (inside.has(w)) process.stderr.write(`  ${rel(v)} -> ${rel(w)}\n`);
  }
}
process.stderr.write(`checkCycles: ${components.length} cycle(s) found\n`);
process.exit(1);
