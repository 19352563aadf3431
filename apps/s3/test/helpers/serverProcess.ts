/**
 * The real `cairn` command as a child process, for what an in-process server cannot show: a
 * crash (the process is gone), signals, exit codes, stdout/stderr, peak RSS.
 *
 * The CLI is bundled from source with esbuild (every @cairn/* workspace resolved to its src/),
 * so the tests never run a stale dist/.
 */
import * as fs from 'node:fs';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { bundleCli as bundleCliAs } from './cliBundle';
import { withMeta } from './testMeta';

let bundled: Promise<string> | undefined;

/** Bundles src/cli.ts (once per test file) and returns the path of the bundle. */
export function bundleCli(): Promise<string> {
  return (bundled ??= bundleCliAs('cli'));
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `cairn ARGS` to completion. */
export async function runCli(args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<CliRun> {
  const cli = await bundleCli();
  const child = spawn(process.execPath, [cli, ...withMeta(args)], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

export interface ServerProcess {
  child: ChildProcess;
  endpoint: string;
  port: number;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Access-log lines (stdout) seen so far. */
  stdoutLines(): number;
  /** Resolves with the exit code / signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Peak resident set size in bytes (Linux VmHWM), or undefined where /proc is missing. */
  peakRss(): number | undefined;
  /** SIGKILL if still running. */
  kill(): Promise<void>;
}

/** Spawns `cairn serve ARGS` (add --data, --port 0, ...) and waits until it listens. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}, opts: { nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const cli = await bundleCli();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), cli, 'serve', ...withMeta(args)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let lines = 0;
  child.stdout!.on('data', (d: Buffer) => {
    for (const b of d) if (b === 10) lines++;
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    const onData = () => {
      const m = /serving S3 on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  return {
    child,
    endpoint,
    port: Number(new URL(endpoint).port),
    stderr: () => stderr,
    stdoutLines: () => lines,
    exited,
    peakRss() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
