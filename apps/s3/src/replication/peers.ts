/**
 * Zones and peers: `cairn serve --zone NAME --peer OTHER=http://AK:SK@host:port` (repeatable;
 * the userinfo percent-encoded) or `--peers FILE` (JSON, so secrets stay off the command line):
 *
 *   [{ "name": "b", "url": "http://AK:SK@10.0.0.2:9000" },
 *    { "name": "c", "endpoint": "http://10.0.0.3:9000", "accessKeyId": "AK", "secretAccessKey": "SK", "region": "eu-west-1" }]
 *
 * The credentials are a user ON THE PEER allowed to replicate into the destination buckets
 * (their owner, or a user a bucket policy grants s3:ReplicateObject, s3:ReplicateDelete,
 * s3:GetBucketVersioning and s3:ListBucketVersions). `?region=R` on a URL: the peer's region
 * for signatures (default: this server's).
 */
import * as fs from 'node:fs';

export interface Peer {
  name: string;
  /** http(s)://host:port, without credentials. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

const ZONE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateZoneName(name: string, what = 'zone'): string {
  if (!ZONE_NAME.test(name)) throw new Error(`${what} name "${name}": 1-63 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
  return name;
}

export function peerFromUrl(name: string, url: string): Peer {
  validateZoneName(name, 'peer');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`peer ${name}: not a URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`peer ${name}: expected an http:// or https:// URL`);
  if (!u.username || !u.password) throw new Error(`peer ${name}: the URL needs credentials: http://ACCESS_KEY:SECRET@host:port`);
  const peer: Peer = {
    name,
    endpoint: `${u.protocol}//${u.host}`,
    accessKeyId: decodeURIComponent(u.username),
    secretAccessKey: decodeURIComponent(u.password),
  };
  const region = u.searchParams.get('region');
  if (region) peer.region = region;
  return peer;
}

/** `--peer NAME=URL`. */
export function parsePeerArg(arg: string): Peer {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--peer: expected NAME=http://ACCESS_KEY:SECRET@host:port, got ${arg.replace(/\/\/[^@/]*@/, '//***@')}`);
  return peerFromUrl(arg.slice(0, eq), arg.slice(eq + 1));
}

/** `--peers FILE`. */
export function parsePeersFile(file: string): Peer[] {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--peers ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(doc)) throw new Error(`--peers ${file}: expected a JSON array of peers`);
  return doc.map((p: unknown, i: number) => {
    const o = p as Record<string, unknown>;
    if (!o || typeof o !== 'object' || typeof o.name !== 'string') throw new Error(`--peers ${file}: entry ${i} needs a "name"`);
    if (typeof o.url === 'string') return peerFromUrl(o.name, o.url);
    for (const f of ['endpoint', 'accessKeyId', 'secretAccessKey'])
      if (typeof o[f] !== 'string' || !o[f]) throw new Error(`--peers ${file}: entry ${i} needs "url", or "endpoint", "accessKeyId" and "secretAccessKey"`);
    const u = new URL(o.endpoint as string);
    const peer: Peer = {
      name: validateZoneName(o.name, 'peer'),
      endpoint: `${u.protocol}//${u.host}`,
      accessKeyId: o.accessKeyId as string,
      secretAccessKey: o.secretAccessKey as string,
    };
    if (typeof o.region === 'string') peer.region = o.region;
    return peer;
  });
}

/** Every peer once, never the zone itself. */
export function checkPeers(zone: string, peers: Peer[]): Peer[] {
  const seen = new Set<string>();
  for (const p of peers) {
    if (p.name === zone) throw new Error(`peer ${p.name}: that is this server's own zone`);
    if (seen.has(p.name)) throw new Error(`peer ${p.name}: given twice`);
    seen.add(p.name);
  }
  return peers;
}
