/**
 * Real message brokers for the notification tests, each a private instance on ephemeral ports
 * with its own temp directory (the Debian packages' system services are never used):
 *   mosquitto:  `mosquitto -c CONF` with `listener PORT 127.0.0.1` and `allow_anonymous true`;
 *   RabbitMQ:   /usr/lib/rabbitmq/bin/rabbitmq-server (the /usr/sbin wrapper would switch to the
 *               rabbitmq user and drop the environment) with RABBITMQ_NODENAME=<unique>@localhost,
 *               RABBITMQ_NODE_PORT, RABBITMQ_DIST_PORT, its own ERL_EPMD_PORT (so its epmd is its
 *               own and can be stopped), MNESIA / LOG bases and HOME (Erlang cookie) in the temp
 *               dir, no plugins; ready when `rabbitmqctl -n NODE await_startup` succeeds.
 * A missing binary skips the suite loudly, but fails it when CI is set (clients/clientEnv.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_BIN = process.env.CAIRN_MOSQUITTO ?? ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find(existsSync);
const RABBIT_DIR = process.env.CAIRN_RABBITMQ_BIN ?? '/usr/lib/rabbitmq/bin';
export const RABBITMQ_FOUND = existsSync(join(RABBIT_DIR, 'rabbitmq-server')) && existsSync(join(RABBIT_DIR, 'rabbitmqctl'));

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, ms: number, child?: ChildProcess): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`broker exited (${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Broker {
  url: string;
  port: number;
  /** Stops the broker process (the port is refused until start()). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

export async function startMosquitto(): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  let child: ChildProcess | undefined;
  const b: Broker = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn(MOSQUITTO_BIN!, ['-c', conf], { stdio: 'ignore' });
      await waitForPort(port, 10_000, child);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c) return;
      c.kill('SIGTERM');
      await exited(c);
    },
    async destroy() {
      await b.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await b.start();
  return b;
}

export async function startRabbitMq(): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-rabbitmq-'));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const node = `cairn${process.pid}x${port}@localhost`;
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  };
  const ctl = (...args: string[]) => spawnSync(join(RABBIT_DIR, 'rabbitmqctl'), ['-n', node, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  let child: ChildProcess | undefined;
  const b: Broker = {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn(join(RABBIT_DIR, 'rabbitmq-server'), [], { env, stdio: 'ignore' });
      const end = Date.now() + 90_000;
      // await_startup fails at once while the node has not registered with epmd yet: retry.
      for (;;) {
        if (child.exitCode !== null) throw new Error(`rabbitmq-server exited (${child.exitCode}); logs in ${dir}/log`);
        const r = ctl('await_startup', '--timeout', '60');
        if (r.status === 0) break;
        if (Date.now() > end) throw new Error(`RabbitMQ did not start: ${r.stderr}`);
        await new Promise((res) => setTimeout(res, 500));
      }
      await waitForPort(port, 30_000, child);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c) return;
      ctl('stop');
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      await exited(c);
      clearTimeout(timer);
    },
    async destroy() {
      await b.stop();
      spawnSync('epmd', ['-port', String(epmdPort), '-kill'], { stdio: 'ignore', env });
      await rm(dir, { recursive: true, force: true });
    },
  };
  await b.start();
  return b;
}
