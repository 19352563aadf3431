/**
 * Condition operators. Each positive operator tests one request value against one policy value;
 * negated operators (StringNotEquals, NotIpAddress, ...) are "no policy value matches". Semantics
 * follow the IAM reference:
 *   - several values for one key: OR (for negated operators: none may match);
 *   - several keys / operators: AND;
 *   - key absent: false, except negated operators (true), ...IfExists (true), Null, ForAllValues (true);
 *   - ForAnyValue: some request value matches; ForAllValues: every request value matches.
 */
import { cidrContains, parseCidr, parseIp } from './ip';
import { normalizeKey } from './contextKeys';
import type { ConditionBlock, ContextValue } from './types';
import { wildcardMatch } from './wildcard';

type Test = (requestValue: string, policyValue: string) => boolean;

function num(s: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) return undefined;
  return Number(s);
}

function date(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000; // epoch seconds (aws:EpochTime style)
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function cmp<T>(parse: (s: string) => T | undefined, f: (a: T, b: T) => boolean): Test {
  return (r, p) => {
    const a = parse(r);
    const b = parse(p);
    return a !== undefined && b !== undefined && f(a, b);
  };
}

/** ARNs compare segment-wise (6 colon-separated parts), each with wildcards. */
function arnLike(r: string, p: string): boolean {
  const rp = r.split(':');
  const pp = p.split(':');
  if (rp.length < 6 || pp.length < 6) return false;
  const head = (a: string[]): string[] => [...a.slice(0, 5), a.slice(5).join(':')];
  const [rh, ph] = [head(rp), head(pp)];
  return ph.every((seg, i) => wildcardMatch(seg, rh[i]));
}

const POSITIVE: Record<string, Test> = {
  StringEquals: (r, p) => r === p,
  StringEqualsIgnoreCase: (r, p) => r.toLowerCase() === p.toLowerCase(),
  StringLike: (r, p) => wildcardMatch(p, r),
  NumericEquals: cmp(num, (a, b) => a === b),
  NumericLessThan: cmp(num, (a, b) => a < b),
  NumericLessThanEquals: cmp(num, (a, b) => a <= b),
  NumericGreaterThan: cmp(num, (a, b) => a > b),
  NumericGreaterThanEquals: cmp(num, (a, b) => a >= b),
  DateEquals: cmp(date, (a, b) => a === b),
  DateLessThan: cmp(date, (a, b) => a < b),
  DateLessThanEquals: cmp(date, (a, b) => a <= b),
  DateGreaterThan: cmp(date, (a, b) => a > b),
  DateGreaterThanEquals: cmp(date, (a, b) => a >= b),
  Bool: (r, p) => r.toLowerCase() === p.toLowerCase(),
  BinaryEquals: (r, p) => r === p,
  IpAddress: (r, p) => {
    const ip = parseIp(r);
    const c = parseCidr(p);
    return !!ip && !!c && cidrContains(c, ip);
  },
  ArnEquals: arnLike,
  ArnLike: arnLike,
};

/** Negated operator → the positive operator it negates. */
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  NotIpAddress: 'IpAddress',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/** Operators whose values may use ${...} policy variables. */
const VARIABLE_OPERATORS = /^(String|Arn)/;

export interface ParsedOperator {
  base: string;
  set?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
}

/** "ForAllValues:StringLikeIfExists" → parts, or undefined when the operator is unknown. */
export function parseOperator(op: string): ParsedOperator | undefined {
  let rest = op;
  let set: ParsedOperator['set'];
  const m = /^(ForAnyValue|ForAllValues):(.*)$/.exec(rest);
  if (m) {
    set = m[1] as ParsedOperator['set'];
    rest = m[2];
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (rest === 'Null') return ifExists || set ? undefined : { base: rest, ifExists };
  if (!(rest in POSITIVE) && !(rest in NEGATED)) return undefined;
  return { base: rest, set, ifExists };
}

function asList(v: ContextValue): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

function evalOne(op: ParsedOperator, requestValue: ContextValue, policyValues: string[]): boolean {
  if (op.base === 'Null') {
    const absent = requestValue === undefined || (Array.isArray(requestValue) && requestValue.length === 0);
    return policyValues.some((p) => (p.toLowerCase() === 'true') === absent);
  }
  const negatedOf = NEGATED[op.base];
  const test = POSITIVE[negatedOf ?? op.base];
  const values = asList(requestValue);
  const matchesAny = (r: string): boolean => policyValues.some((p) => test(r, p));
  const ok = (r: string): boolean => (negatedOf ? !matchesAny(r) : matchesAny(r));
  if (values === undefined || values.length === 0) {
    if (op.set === 'ForAllValues') return true;
    if (op.set === 'ForAnyValue') return false;
    return op.ifExists || !!negatedOf;
  }
  if (op.set === 'ForAllValues') return values.every(ok);
  if (op.set === 'ForAnyValue') return values.some(ok);
  return negatedOf ? values.every(ok) : values.some(ok);
}

/** True when every operator/key of the block holds for the request context. */
export function evaluateConditions(block: ConditionBlock, context: Record<string, ContextValue>, substitute: (s: string) => string): boolean {
  for (const [opName, keys] of Object.entries(block)) {
    const op = parseOperator(opName);
    if (!op) return false; // validated at parse time; unknown never grants
    for (const [key, values] of Object.entries(keys)) {
      const policyValues = VARIABLE_OPERATORS.test(op.base) ? values.map(substitute) : values;
      if (!evalOne(op, context[normalizeKey(key)], policyValues)) return false;
    }
  }
  return true;
}
