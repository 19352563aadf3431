/**
 * The process logger (pino): access-log lines, errors, startup and worker messages, one JSON
 * object per line on stdout. `format: 'pretty'` turns the same records into short coloured
 * lines for a terminal (prettyStream below; pino-pretty would add a dozen dependencies for this).
 *
 * What is logged never includes secrets: request lines carry the redacted query string
 * (middleware/requestContext.ts redactQuery) and no headers; `redact` below is a second guard
 * for fields that must never appear whatever a caller passes.
 */
import { Writable } from 'node:stream';
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';
export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  level?: LevelWithSilent;
  format?: LogFormat;
  /** Where lines go (default: stdout). Tests pass a stream that collects them. */
  destination?: NodeJS.WritableStream;
  /** Colours in pretty mode (default: when the destination is a TTY). */
  colors?: boolean;
}

/** Never logged, whatever a caller puts in a record. */
const REDACT_PATHS = ['secretAccessKey', 'password', 'authorization', 'headers.authorization', 'signature', '*.secretAccessKey'];

export function createLogger(o: LoggerOptions = {}): Logger {
  const format = o.format ?? 'json';
  const base = o.destination ?? process.stdout;
  const destination = format === 'pretty' ? prettyStream(base, o.colors ?? (base as NodeJS.WriteStream).isTTY === true) : base;
  return pino(
    {
      level: o.level ?? 'info',
      base: undefined, // no pid / hostname on every line
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

const COLORS: Record<string, string> = { fatal: '\x1b[35m', error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[32m', debug: '\x1b[36m', trace: '\x1b[90m' };
const OMIT = new Set(['time', 'level', 'msg', 'requestId', 'method', 'path', 'status', 'ms', 'operation']);

/** One JSON record → `12:00:01.234 INFO  request GET /b/k 200 PutObject 3.2ms key=value ...`. */
export function formatPretty(line: string, colors: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = String(rec.level ?? 'info');
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 23) : '';
  const lvl = level.toUpperCase().padEnd(5);
  const parts = [time, colors ? `${COLORS[level] ?? ''}${lvl}\x1b[0m` : lvl, String(rec.msg ?? '')];
  if (rec.method) parts.push(`${rec.method} ${rec.path ?? ''}`);
  if (rec.status !== undefined) parts.push(String(rec.status));
  if (rec.operation) parts.push(String(rec.operation));
  if (typeof rec.ms === 'number') parts.push(`${rec.ms.toFixed(1)}ms`);
  for (const [k, v] of Object.entries(rec)) {
    if (OMIT.has(k) || v === undefined || v === null) continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.filter((p) => p !== '').join(' ');
}

function prettyStream(out: NodeJS.WritableStream, colors: boolean): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      pending += chunk.toString('utf8');
      let nl: number;
      let text = '';
      while ((nl = pending.indexOf('\n')) !== -1) {
        text += formatPretty(pending.slice(0, nl), colors) + '\n';
        pending = pending.slice(nl + 1);
      }
      if (text) out.write(text);
      cb();
    },
  });
}
