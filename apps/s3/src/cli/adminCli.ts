/**
 * `cairn admin ...`: the command-line client of the admin API (@cairn/admin).
 *
 *   cairn admin [--endpoint URL] [--access-key-id ID] [--secret-access-key S] <command> [args]
 *
 * Endpoint: --endpoint or CAIRN_ADMIN_ENDPOINT (default http://127.0.0.1:9001). Root credentials:
 * the flags, else CAIRN_ACCESS_KEY_ID / CAIRN_SECRET_ACCESS_KEY. Prints JSON.
 */
import { parseArgs } from 'node:util';
import { AdminApiError, AdminClient } from '@cairn/admin';
import { UsageError, describeAdminError } from './cliErrors';

export const ADMIN_USAGE = `usage: cairn admin [--endpoint URL] [--access-key-id ID] [--secret-access-key SECRET] COMMAND

  users list
  users get ID
  users create ID [--display-name NAME] [--email EMAIL] [--no-key]
  users update ID [--display-name NAME] [--email EMAIL]
  users suspend ID | users reactivate ID | users delete ID
  keys list USER | keys create USER | keys rotate USER AKID | keys delete USER AKID
  buckets
  usage
  health
  workers          worker status (last run, cursor, scanned / acted, errors, lease) and the change feed
  feed             the change feed: size, oldest unacknowledged event, consumers
  replication      zone replication: per-peer backlog (count, bytes, oldest age), sent / failed
  replication resync BUCKET [--peer NAME]
                   re-queue every version of BUCKET that a peer zone lacks (compares listings)

Endpoint: --endpoint or CAIRN_ADMIN_ENDPOINT (default http://127.0.0.1:9001).
Credentials: the root's, from the flags or CAIRN_ACCESS_KEY_ID / CAIRN_SECRET_ACCESS_KEY.`;

function parseAdminArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        endpoint: { type: 'string' },
        'access-key-id': { type: 'string' },
        'secret-access-key': { type: 'string' },
        'display-name': { type: 'string' },
        email: { type: 'string' },
        'no-key': { type: 'boolean', default: false },
        peer: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message, ADMIN_USAGE);
  }
}

export async function adminMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const { values, positionals } = parseAdminArgs(argv);
  if (values.help) {
    out(ADMIN_USAGE + '\n');
    return;
  }
  const endpoint = values.endpoint ?? process.env.CAIRN_ADMIN_ENDPOINT ?? 'http://127.0.0.1:9001';
  const akid = values['access-key-id'] ?? process.env.CAIRN_ACCESS_KEY_ID;
  const secret = values['secret-access-key'] ?? process.env.CAIRN_SECRET_ACCESS_KEY;
  if (!akid || !secret) throw new Error('root credentials needed: --access-key-id/--secret-access-key or CAIRN_ACCESS_KEY_ID/CAIRN_SECRET_ACCESS_KEY');
  const c = new AdminClient(endpoint, akid, secret);
  const [group, cmd, a, b] = positionals;
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new UsageError(`missing ${what}`, ADMIN_USAGE);
    return v;
  };
  let result: unknown;
  try {
    result = await runCommand(c, group, cmd, a, b, values, need);
  } catch (e) {
    if (e instanceof UsageError || e instanceof AdminApiError) throw e; // the API's own answer: already one line
    throw new Error(describeAdminError(e, endpoint), { cause: e });
  }
  out(JSON.stringify(result ?? {}, null, 2) + '\n');
}

async function runCommand(
  c: AdminClient,
  group: string | undefined,
  cmd: string | undefined,
  a: string | undefined,
  b: string | undefined,
  values: { 'display-name'?: string; email?: string; 'no-key'?: boolean; peer?: string },
  need: (v: string | undefined, what: string) => string,
): Promise<unknown> {
  let result: unknown;
  if (group === 'users') {
    if (cmd === 'list') result = await c.listUsers();
    else if (cmd === 'get') result = await c.getUser(need(a, 'ID'));
    else if (cmd === 'create')
      result = await c.createUser({ id: need(a, 'ID'), displayName: values['display-name'], email: values.email, accessKey: !values['no-key'] });
    else if (cmd === 'update') result = await c.updateUser(need(a, 'ID'), { displayName: values['display-name'], email: values.email });
    else if (cmd === 'suspend') result = await c.suspendUser(need(a, 'ID'));
    else if (cmd === 'reactivate') result = await c.reactivateUser(need(a, 'ID'));
    else if (cmd === 'delete') result = await c.deleteUser(need(a, 'ID'));
    else throw new UsageError(`unknown users command: ${cmd}`, ADMIN_USAGE);
  } else if (group === 'keys') {
    if (cmd === 'list') result = await c.listKeys(need(a, 'USER'));
    else if (cmd === 'create') result = await c.createKey(need(a, 'USER'));
    else if (cmd === 'rotate') result = await c.rotateKey(need(a, 'USER'), need(b, 'AKID'));
    else if (cmd === 'delete') result = await c.deleteKey(need(a, 'USER'), need(b, 'AKID'));
    else throw new UsageError(`unknown keys command: ${cmd}`, ADMIN_USAGE);
  } else if (group === 'buckets') result = await c.listBuckets();
  else if (group === 'usage') result = await c.usage();
  else if (group === 'health') result = await c.health();
  else if (group === 'workers') result = await c.workers();
  else if (group === 'feed') result = await c.feed();
  else if (group === 'replication') {
    if (cmd === undefined || cmd === 'status') result = await c.replication();
    else if (cmd === 'resync') result = await c.replicationResync(need(a, 'BUCKET'), values.peer);
    else throw new UsageError(`unknown replication command: ${cmd}`, ADMIN_USAGE);
  } else throw new UsageError(`unknown admin command: ${group ?? '(none)'}`, ADMIN_USAGE);
  return result;
}
