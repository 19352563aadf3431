/**
 * How `cairn serve` stops:
 *
 * - the first SIGTERM / SIGINT starts a graceful stop (`stop`: bounded drain, close the store);
 * - a second one exits at once. A repeat within DUPLICATE_MS is taken as the same request
 *   delivered twice — Ctrl-C under `npm start` reaches this process both from the terminal and
 *   relayed by npm — not as an operator's "now";
 * - under an npm wrapper (`npm start`, `npx cairn serve`), npm relays signals to its child,
 *   which for `npx` is a `sh -c` that dies without passing them on: this process would be left
 *   running as an orphan. So when started by npm, the wrapper going away (our parent pid
 *   changes) counts as a SIGTERM. Process managers should run `node apps/s3/dist/cli.js serve`
 *   (or the `cairn` bin) directly; see deploy/.
 */

const DUPLICATE_MS = 1000;
const PARENT_POLL_MS = 500;

export function handleStopSignals(stop: (reason: string) => Promise<void>, log: (line: string) => void): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstAt === undefined) {
      firstAt = now;
      void stop(signal);
      return;
    }
    if (now - firstAt < DUPLICATE_MS) return;
    log(`cairn: ${signal} again: exiting now (in-flight requests are cut; committed data is durable)`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (process.env.npm_command !== undefined || process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid === parent || firstAt !== undefined) return;
      clearInterval(timer);
      firstAt = Date.now();
      log('cairn: the npm process that started this server is gone: stopping');
      void stop('parent exited');
    }, PARENT_POLL_MS);
    timer.unref();
  }
}
