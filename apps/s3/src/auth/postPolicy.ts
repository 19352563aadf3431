/**
 * Browser-based uploads (POST Object): authenticating the form and checking its POST policy.
 *
 * Signature: SigV4 — x-amz-signature = hex HMAC-SHA256(signing key of x-amz-credential's scope,
 * the base64 policy); SigV2 — signature = base64 HMAC-SHA1(secret, the base64 policy). A form
 * without signature fields is anonymous (then any policy is ignored, as S3 does).
 *
 * Policy: base64 JSON `{ "expiration": ISO8601, "conditions": [...] }`; conditions are
 * `{ "field": "value" }` (exact), `["eq", "$field", "value"]`, `["starts-with", "$field", "prefix"]`
 * ("" = anything; for Content-Type every comma-separated value must match) and
 * `["content-length-range", min, max]`. Field names compare case-insensitively; `bucket` is the
 * addressed bucket; `key` is the key after `${filename}` substitution. Every form field must be
 * named by a condition except x-amz-signature, signature, awsaccesskeyid, file, policy and
 * x-ignore-* (S3's "Extra input fields").
 */
import { createHmac } from 'node:crypto';
import { S3Error } from '@cairn/engine';
import { safeEqual } from './constantTime';
import { ALGORITHM, SERVICE, TERMINATOR, getSigningKey, parseAmzDate, signHex } from './sigv4';
import type { SecretLookup } from './types';
import { accessDenied, invalidArgument } from '../errors';

/** Form fields, names lower-cased (S3 treats them case-insensitively). */
export type FormFields = Map<string, string>;

export interface PostPolicyCondition {
  op: 'eq' | 'starts-with' | 'content-length-range';
  /** Lower-cased field name without `$` (absent for content-length-range). */
  field?: string;
  value?: string;
  min?: number;
  max?: number;
  /** The condition as written, for error messages. */
  source: string;
}

export interface PostPolicy {
  expiration: Date;
  conditions: PostPolicyCondition[];
}

export interface PostAuth {
  userId: string | null;
  accessKeyId: string | null;
  signatureVersion: 'AWS4-HMAC-SHA256' | 'AWS' | null;
  policy?: PostPolicy;
}

const EXEMPT_FIELDS = new Set(['x-amz-signature', 'signature', 'awsaccesskeyid', 'file', 'policy']);

const invalidPolicy = (detail: string) => new S3Error('InvalidPolicyDocument', `Invalid Policy: ${detail}`);
const notAccordingToPolicy = (detail: string) => accessDenied(`Invalid according to Policy: ${detail}`);

export function parsePostPolicy(base64: string): PostPolicy {
  let doc: unknown;
  try {
    const text = Buffer.from(base64.replace(/\s+/g, ''), 'base64').toString('utf8');
    doc = JSON.parse(text);
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidPolicy('Invalid JSON.');
  const d = doc as Record<string, unknown>;
  if (d.expiration === undefined) throw invalidPolicy('Policy missing expiration.');
  const expiration = typeof d.expiration === 'string' ? new Date(d.expiration) : new Date(NaN);
  if (Number.isNaN(expiration.getTime())) throw invalidPolicy("Invalid 'expiration' value: " + JSON.stringify(d.expiration));
  if (!Array.isArray(d.conditions)) throw invalidPolicy('Policy missing conditions.');
  const conditions: PostPolicyCondition[] = [];
  for (const c of d.conditions as unknown[]) {
    const source = JSON.stringify(c);
    if (c && typeof c === 'object' && !Array.isArray(c)) {
      const entries = Object.entries(c as Record<string, unknown>);
      if (entries.length !== 1 || typeof entries[0][1] !== 'string') throw invalidPolicy(`Invalid Simple-Condition: ${source}`);
      conditions.push({ op: 'eq', field: entries[0][0].toLowerCase().replace(/^\$/, ''), value: entries[0][1] as string, source });
      continue;
    }
    if (!Array.isArray(c) || c.length !== 3) throw invalidPolicy(`Invalid Condition: ${source}`);
    const op = String(c[0]).toLowerCase();
    if (op === 'content-length-range') {
      const min = Number(c[1]);
      const max = Number(c[2]);
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) throw invalidPolicy(`Invalid content-length-range: ${source}`);
      conditions.push({ op: 'content-length-range', min, max, source });
      continue;
    }
    if (op !== 'eq' && op !== 'starts-with') throw invalidPolicy(`Invalid Condition: ${source}`);
    if (typeof c[1] !== 'string' || !c[1].startsWith('$') || typeof c[2] !== 'string') throw invalidPolicy(`Invalid Condition: ${source}`);
    conditions.push({ op, field: c[1].slice(1).toLowerCase(), value: c[2], source });
  }
  return { expiration, conditions };
}

const field = (fields: FormFields, name: string): string | undefined => fields.get(name);

/** Verifies the form's signature (if any) and returns the caller and its parsed policy. */
export async function authenticatePostForm(fields: FormFields, opts: { region: string; lookup: SecretLookup; now?: () => Date }): Promise<PostAuth> {
  const now = opts.now?.() ?? new Date();
  const v4sig = field(fields, 'x-amz-signature');
  const v2sig = field(fields, 'signature');
  const policyText = field(fields, 'policy');
  // A malformed x-amz-date is refused whatever signs the form (SigV4, SigV2 or none).
  const givenDate = field(fields, 'x-amz-date');
  if (givenDate !== undefined && !parseAmzDate(givenDate)) throw invalidArgument(`Invalid x-amz-date: ${givenDate}`, 'x-amz-date', givenDate);
  if (v4sig === undefined && v2sig === undefined && field(fields, 'awsaccesskeyid') === undefined && field(fields, 'x-amz-credential') === undefined) {
    return { userId: null, accessKeyId: null, signatureVersion: null };
  }
  if (policyText === undefined)
    throw invalidArgument("Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.", 'policy');

  let accessKeyId: string;
  let verify: (secret: string) => boolean;
  let signatureVersion: PostAuth['signatureVersion'];
  if (v4sig !== undefined || field(fields, 'x-amz-credential') !== undefined) {
    const algorithm = field(fields, 'x-amz-algorithm');
    const credential = field(fields, 'x-amz-credential');
    const missing = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'].find((f) => field(fields, f) === undefined);
    if (missing)
      throw invalidArgument(`Bucket POST must contain a field named '${missing}'.  If it is specified, please check the order of the fields.`, missing);
    if (algorithm !== ALGORITHM) throw invalidArgument(`Only ${ALGORITHM} is supported for x-amz-algorithm`, 'x-amz-algorithm', algorithm!);
    const parts = credential!.split('/');
    const [date, region, service, terminator] = parts.slice(-4);
    accessKeyId = parts.slice(0, -4).join('/');
    if (parts.length < 5 || !accessKeyId || !/^\d{8}$/.test(date) || service !== SERVICE || terminator !== TERMINATOR) {
      throw invalidArgument(`Invalid credential: ${credential}`, 'x-amz-credential', credential!);
    }
    if (region !== opts.region) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${opts.region}'`,
        { Region: opts.region },
      );
    }
    signatureVersion = 'AWS4-HMAC-SHA256';
    verify = (secret) => safeEqual(signHex(getSigningKey(secret, date, region), policyText), v4sig!.toLowerCase());
  } else {
    const akid = field(fields, 'awsaccesskeyid');
    if (akid === undefined || v2sig === undefined) {
      const missing = akid === undefined ? 'AWSAccessKeyId' : 'signature';
      throw invalidArgument(`Bucket POST must contain a field named '${missing}'.  If it is specified, please check the order of the fields.`, missing);
    }
    accessKeyId = akid;
    signatureVersion = 'AWS';
    verify = (secret) => safeEqual(createHmac('sha1', secret).update(policyText, 'utf8').digest('base64'), v2sig);
  }

  const found = await opts.lookup(accessKeyId);
  if (!found) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  if (!verify(found.secretAccessKey)) {
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      {
        AWSAccessKeyId: accessKeyId,
        StringToSign: policyText,
      },
    );
  }
  if (found.suspended) throw new S3Error('UserSuspended', 'The user has been suspended.');
  const policy = parsePostPolicy(policyText);
  if (policy.expiration.getTime() <= now.getTime()) throw notAccordingToPolicy('Policy expired.');
  return { userId: found.userId, accessKeyId, signatureVersion, policy };
}

function startsWith(fieldName: string, value: string, prefix: string): boolean {
  if (fieldName === 'content-type') return value.split(',').every((v) => v.trim().startsWith(prefix));
  return value.startsWith(prefix);
}

/**
 * Checks every field condition against the form (content-length-range is returned for the
 * upload to enforce while streaming) and that no field goes uncovered.
 */
export function checkPostPolicy(policy: PostPolicy, fields: FormFields, values: { bucket: string; key: string }): { minLength?: number; maxLength?: number } {
  const valueOf = (name: string): string | undefined => (name === 'bucket' ? values.bucket : name === 'key' ? values.key : fields.get(name));
  const covered = new Set<string>();
  const out: { minLength?: number; maxLength?: number } = {};
  for (const c of policy.conditions) {
    if (c.op === 'content-length-range') {
      out.minLength = c.min;
      out.maxLength = c.max;
      continue;
    }
    const name = c.field!;
    covered.add(name);
    const v = valueOf(name);
    const ok = c.op === 'eq' ? v === c.value : c.value === '' || (v !== undefined && startsWith(name, v, c.value!));
    if (!ok) throw notAccordingToPolicy(`Policy Condition failed: ${c.source}`);
  }
  const extra = [...fields.keys()].filter((n) => !covered.has(n) && !EXEMPT_FIELDS.has(n) && !n.startsWith('x-ignore-'));
  if (extra.length) throw notAccordingToPolicy(`Extra input fields: ${extra.join(', ')}`);
  return out;
}
