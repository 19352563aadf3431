/**
 * Shared plumbing for the real-client suites: finding client binaries, running them as child
 * processes with a clean environment, and the "skip locally, fail in CI" rule.
 *
 * A suite whose client is missing is skipped with a loud warning on a developer machine, but
 * when process.env.CI is set (as `.ci/run` does) a missing client FAILS the run: CI installs
 * every client, so a missing one means CI is broken, not that the test may be ignored.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';

export const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Command line, for failure messages. */
  cmd: string;
}

/** Run a command (no shell), stdin closed, collect output. Never rejects on a non-zero exit. */
export function run(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string | Buffer } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        cmd: [file, ...args].map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' '),
      });
    });
  });
}

/**
 * The environment for a client process: this one's, minus everything that would make a client
 * read settings other than the test's own (AWS_* — e.g. AWS_CA_BUNDLE makes rclone's SDK refuse
 * its transport —, RCLONE_* config overrides, proxies), plus `extra`.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(AWS_|RCLONE_|S3CMD_)/i.test(k) || /^(https?|all|no)_proxy$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Fails with the command's output when it did not exit 0. */
export function expectSuccess(r: RunResult): RunResult {
  if (r.code !== 0) {
    throw new Error(`command failed (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ${r.cmd}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** `--version` style probe: the first line of stdout+stderr, or undefined when it does not run. */
export function probeVersion(file: string, args: string[] = ['--version'], env?: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return undefined;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
}

/**
 * Registers the "client missing" outcome for a suite and tells the caller whether to run it.
 * Locally: one loud console warning and a skipped placeholder test. In CI: a failing test.
 */
export function requireClient(what: string, found: boolean, howToInstall: string): boolean {
  if (found) return true;
  const msg = `${what} is not installed (${howToInstall})`;
  if (IN_CI) {
    test(`${what} is installed (required in CI)`, () => {
      throw new Error(`${msg}: CI must install it (.ci/run); a missing client fails the run.`);
    });
  } else {
    console.warn(`\n\n!!!!!!!!!! SKIPPING ${what} SUITE: ${msg}. This suite is REQUIRED in CI. !!!!!!!!!!\n`);
    test.skip(`${what} suite (skipped: ${msg})`, () => undefined);
  }
  return false;
}

// ------------------------------------------------------------------------------------ files

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Relative path → sha256 for every regular file under `root`. */
export function treeDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile()) out[relative(root, p)] = sha256File(p);
    }
  };
  walk(root);
  return out;
}
