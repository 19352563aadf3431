/**
 * Bucket policy text → validated `Policy`, or MalformedPolicy with a message saying what is wrong
 * (S3's wording where we know it). Validation is structural: fields, effects, actions, resources
 * (must be this bucket or objects in it), principals, condition operators and keys.
 */
import { S3Error } from '../errors';
import { isKnownS3Action } from './actions';
import { parseOperator } from './conditions';
import { parseCidr } from './ip';
import type { ConditionBlock, Policy, PrincipalSpec, Statement } from './types';
import { wildcardMatch } from './wildcard';

/** S3's limit on bucket policy size. */
export const MAX_POLICY_BYTES = 20 * 1024;

const malformed = (message: string): S3Error => new S3Error('MalformedPolicy', message);

const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'CanonicalUser', 'Service', 'Federated']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw malformed(`${what} must not be empty`);
  for (const s of list) if (typeof s !== 'string' || s === '') throw malformed(`${what} must be a string or an array of strings`);
  return list as string[];
}

/** arn:aws:iam::[TENANT]:user/NAME (the account part may be empty), as Ceph RGW policies write users. */
export const RGW_USER_ARN = /^arn:aws:iam::([^:*?\s]*):user\/([^*?\s]+)$/;

function parsePrincipal(v: unknown, field: string): PrincipalSpec {
  if (v === '*') return { AWS: ['*'] };
  if (!isObject(v) || Object.keys(v).length === 0) throw malformed('Invalid principal in policy');
  const out: PrincipalSpec = {};
  for (const [type, ids] of Object.entries(v)) {
    if (!PRINCIPAL_TYPES.has(type)) throw malformed(`Invalid principal in policy: unknown principal type ${type} in ${field}`);
    const list = stringList(ids, `${field}.${type}`);
    if (type === 'AWS') {
      for (const id of list) {
        // "*", an account / user id, arn:aws:iam::<id>:root|user/<name>|role/<name>, or Ceph RGW's
        // user forms without an account or with a tenant: arn:aws:iam::[TENANT]:user/<name>
        const ok =
          id === '*' ||
          (/^[^*?:\s]+$/.test(id) && !id.startsWith('arn:')) ||
          /^arn:aws:(iam|sts)::[^:*?\s]+:(root|user\/\S+|role\/\S+|assumed-role\/\S+)$/.test(id) ||
          RGW_USER_ARN.test(id);
        if (!ok) throw malformed(`Invalid principal in policy: ${id}`);
      }
    }
    out[type as keyof PrincipalSpec] = list;
  }
  return out;
}

function parseActions(v: unknown, field: string): string[] {
  const list = stringList(v, field);
  for (const a of list) {
    if (a === '*') continue;
    const colon = a.indexOf(':');
    if (colon === -1 || a.slice(0, colon).toLowerCase() !== 's3') throw malformed('Policy has invalid action');
    if (!/[*?]/.test(a) && !isKnownS3Action(a)) throw malformed('Policy has invalid action');
  }
  return list;
}

function parseResources(v: unknown, field: string, bucket: string | undefined): string[] {
  const list = stringList(v, field);
  for (const r of list) {
    if (r === '*') continue;
    if (!r.startsWith('arn:aws:s3:::')) throw malformed('Policy has invalid resource');
    const path = r.slice('arn:aws:s3:::'.length);
    const bucketPart = path.split('/')[0];
    if (!bucketPart) throw malformed('Policy has invalid resource');
    // A bucket policy may only speak about its own bucket (wildcards that cover it are accepted).
    if (bucket !== undefined && !wildcardMatch(bucketPart, bucket)) throw malformed('Policy has invalid resource');
  }
  return list;
}

function parseCondition(v: unknown): ConditionBlock {
  if (!isObject(v)) throw malformed('Condition must be an object');
  const out: ConditionBlock = {};
  for (const [op, keys] of Object.entries(v)) {
    const parsed = parseOperator(op);
    if (!parsed) throw malformed(`Invalid Condition type : ${op}`);
    if (!isObject(keys) || Object.keys(keys).length === 0) throw malformed(`Condition ${op} must map condition keys to values`);
    const block: Record<string, string[]> = {};
    for (const [key, raw] of Object.entries(keys)) {
      if (!/^(aws|s3):[^\s]+$/i.test(key)) throw malformed(`Policy has an invalid condition key: ${key}`);
      const values = (Array.isArray(raw) ? raw : [raw]).map((x) => {
        if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return String(x);
        throw malformed(`Invalid value for condition key ${key}`);
      });
      if (values.length === 0) throw malformed(`Condition key ${key} has no values`);
      if (parsed.base.endsWith('IpAddress')) {
        for (const c of values) if (!parseCidr(c)) throw malformed(`Invalid IP address or CIDR for ${key}: ${c}`);
      }
      block[key] = values;
    }
    out[op] = block;
  }
  return out;
}

function parseStatement(raw: unknown, bucket: string | undefined, requirePrincipal: boolean): Statement {
  if (!isObject(raw)) throw malformed('Each Statement must be an object');
  for (const f of Object.keys(raw)) if (!STATEMENT_FIELDS.has(f)) throw malformed(`Unknown field ${f}`);
  const effect = raw.Effect;
  if (effect === undefined) throw malformed('Missing required field Effect');
  if (effect !== 'Allow' && effect !== 'Deny') throw malformed(`Invalid effect: ${String(effect)}`);
  const st: Statement = { effect };
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid !== 'string') throw malformed('Sid must be a string');
    st.sid = raw.Sid;
  }
  const pair = (a: string, b: string, required: boolean): void => {
    if (raw[a] !== undefined && raw[b] !== undefined) throw malformed(`A statement may not have both ${a} and ${b}`);
    if (required && raw[a] === undefined && raw[b] === undefined) throw malformed(`Missing required field ${a}`);
  };
  pair('Principal', 'NotPrincipal', requirePrincipal);
  pair('Action', 'NotAction', true);
  pair('Resource', 'NotResource', true);
  if (raw.Principal !== undefined) st.principal = parsePrincipal(raw.Principal, 'Principal');
  if (raw.NotPrincipal !== undefined) st.notPrincipal = parsePrincipal(raw.NotPrincipal, 'NotPrincipal');
  if (raw.Action !== undefined) st.action = parseActions(raw.Action, 'Action');
  if (raw.NotAction !== undefined) st.notAction = parseActions(raw.NotAction, 'NotAction');
  if (raw.Resource !== undefined) st.resource = parseResources(raw.Resource, 'Resource', bucket);
  if (raw.NotResource !== undefined) st.notResource = parseResources(raw.NotResource, 'NotResource', bucket);
  if (raw.Condition !== undefined) st.condition = parseCondition(raw.Condition);
  return st;
}

export interface ParsePolicyOptions {
  /** The bucket the policy is attached to: every Resource must name it. */
  bucket?: string;
  /** Bucket policies need Principal/NotPrincipal in every statement (default true). */
  requirePrincipal?: boolean;
}

export function parsePolicy(text: string, opts: ParsePolicyOptions = {}): Policy {
  if (typeof text !== 'string' || text.trim() === '') throw malformed("Policies must be valid JSON and the first byte must be '{'");
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) throw malformed(`Policy exceeds the maximum allowed document size of ${MAX_POLICY_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw malformed(`This policy contains invalid Json: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw malformed("Policies must be valid JSON and the first byte must be '{'");
  for (const f of Object.keys(doc)) if (!TOP_FIELDS.has(f)) throw malformed(`Unknown field ${f}`);
  const policy: Policy = { statements: [] };
  if (doc.Version !== undefined) {
    if (doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') throw malformed(`The policy must contain a valid version string: ${String(doc.Version)}`);
    policy.version = doc.Version;
  }
  if (doc.Id !== undefined) {
    if (typeof doc.Id !== 'string') throw malformed('Id must be a string');
    policy.id = doc.Id;
  }
  if (doc.Statement === undefined) throw malformed('Missing required field Statement');
  const raws = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (raws.length === 0) throw malformed('Could not parse the policy: Statement is empty!');
  const requirePrincipal = opts.requirePrincipal ?? true;
  policy.statements = raws.map((s) => parseStatement(s, opts.bucket, requirePrincipal));
  const sids = policy.statements.map((s) => s.sid).filter((s): s is string => !!s);
  if (new Set(sids).size !== sids.length) throw malformed('Statement IDs (SID) in a single policy must be unique');
  return policy;
}
