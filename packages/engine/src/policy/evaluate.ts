/**
 * Policy evaluation for one request: explicit Deny beats Allow beats no opinion. A statement
 * applies when principal, action, resource and every condition match.
 */
import { evaluateConditions } from './conditions';
import { RGW_USER_ARN } from './parse';
import { normalizeKey } from './contextKeys';
import type { Decision, Policy, PolicyPrincipal, PolicyRequest, PrincipalSpec, Statement } from './types';
import { wildcardMatch } from './wildcard';

/** The principal strings a Cairn user answers to (see PolicyPrincipal). */
export function principalIdentifiers(userId: string): string[] {
  return [userId, `arn:aws:iam::${userId}:root`, `arn:aws:iam::${userId}:user/${userId}`];
}

/**
 * Ceph RGW's `arn:aws:iam::[TENANT]:user/NAME` names user NAME: Cairn has one namespace of users
 * (no tenants), so the tenant part does not narrow it.
 */
function rgwUserMatches(arn: string, userId: string): boolean {
  const m = RGW_USER_ARN.exec(arn);
  return !!m && m[2] === userId;
}

function principalMatches(spec: PrincipalSpec, p: PolicyPrincipal | null): boolean {
  if (spec.AWS?.includes('*') || spec.CanonicalUser?.includes('*')) return true;
  if (!p) return false;
  const ids = principalIdentifiers(p.userId);
  return !!spec.AWS?.some((a) => ids.includes(a) || rgwUserMatches(a, p.userId)) || !!spec.CanonicalUser?.includes(p.userId);
}

/** ${aws:username}, ${s3:prefix}... from the context; ${*} ${?} ${$} are literal escapes; unknown → left as is (never matches). */
export function substituter(context: PolicyRequest['context']): (s: string) => string {
  return (s) =>
    s.includes('${')
      ? s.replace(/\$\{([^}]+)\}/g, (all, name: string) => {
          if (name === '*' || name === '?' || name === '$') return name;
          const v = context[normalizeKey(name)];
          return typeof v === 'string' ? v : all;
        })
      : s;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Resource patterns: `*` / `?` wildcards, and ${...} variables whose values match literally
 * (${*} ${?} ${$} are escapes for the literal characters). An unresolvable variable never matches.
 */
function resourceMatches(pattern: string, resource: string, context: PolicyRequest['context']): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('${')) return wildcardMatch(pattern, resource);
  let re = '';
  for (const tok of pattern.split(/(\$\{[^}]+\})/)) {
    if (tok.startsWith('${') && tok.endsWith('}')) {
      const name = tok.slice(2, -1);
      if (name === '*' || name === '?' || name === '$') re += escapeRe(name);
      else {
        const v = context[normalizeKey(name)];
        if (typeof v !== 'string') return false;
        re += escapeRe(v);
      }
    } else {
      for (const ch of tok) re += ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : escapeRe(ch);
    }
  }
  return new RegExp(`^${re}$`, 'u').test(resource);
}

function actionMatches(patterns: string[], action: string): boolean {
  return patterns.some((a) => a === '*' || wildcardMatch(a, action, true));
}

export function statementApplies(st: Statement, req: PolicyRequest): boolean {
  if (st.principal && !principalMatches(st.principal, req.principal)) return false;
  if (st.notPrincipal && principalMatches(st.notPrincipal, req.principal)) return false;
  if (st.action && !actionMatches(st.action, req.action)) return false;
  if (st.notAction && actionMatches(st.notAction, req.action)) return false;
  if (st.resource && !st.resource.some((r) => resourceMatches(r, req.resource, req.context))) return false;
  if (st.notResource && st.notResource.some((r) => resourceMatches(r, req.resource, req.context))) return false;
  if (st.condition && !evaluateConditions(st.condition, req.context, substituter(req.context))) return false;
  return true;
}

export function evaluatePolicy(policy: Policy, req: PolicyRequest): Decision {
  let allowed = false;
  for (const st of policy.statements) {
    if (!statementApplies(st, req)) continue;
    if (st.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoOpinion';
}
