/**
 * The console's static files (built by `npm run build` in apps/admin: esbuild bundles
 * console/src into dist/console). Served at `/` and `/assets/*` with a strict Content Security
 * Policy: only this origin's scripts, styles and connections; no inline script, no framing.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type Koa from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The built console: next to the compiled module (dist/console), or dist/console when run from src (tests). */
export function defaultConsoleDir(): string | undefined {
  for (const d of [join(__dirname, 'console'), join(__dirname, '..', 'dist', 'console'), join(__dirname, '..', '..', 'dist', 'console')]) {
    if (existsSync(join(d, 'index.html'))) return d;
  }
  return undefined;
}

/** Answers GET/HEAD of `/`, `/index.html` and `/assets/<file>`; anything else goes on. */
export function consoleStatic(dir: string | undefined): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    let rel: string | undefined;
    if (ctx.path === '/' || ctx.path === '/index.html') rel = 'index.html';
    else if (ctx.path.startsWith('/assets/')) rel = ctx.path.slice(1);
    if (!rel) return next();
    if (!dir) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'the console is not built: run `npm run build` in apps/admin\n';
      return;
    }
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir + sep)) return next();
    const ext = file.slice(file.lastIndexOf('.'));
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return next();
    }
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.type = TYPES[ext] ?? 'application/octet-stream';
    ctx.body = data;
  };
}
