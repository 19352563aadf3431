/**
 * Bucket policy documents (IAM policy grammar, as S3 accepts it) and the request context they are
 * evaluated against. Plain data: the HTTP layer builds the context, the engine stores the policy.
 */

export type Effect = 'Allow' | 'Deny';

/** A principal block normalised to lists: "*" becomes { AWS: ['*'] }. */
export interface PrincipalSpec {
  AWS?: string[];
  CanonicalUser?: string[];
  Service?: string[];
  Federated?: string[];
}

/** Condition block: operator (with ForAnyValue:/ForAllValues: prefix and IfExists suffix) → key → values. */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface Statement {
  sid?: string;
  effect: Effect;
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  condition?: ConditionBlock;
}

export interface Policy {
  version?: string;
  id?: string;
  statements: Statement[];
}

/**
 * Who is asking. Cairn users are accounts: a user id is at once the account id, the canonical
 * user id and the IAM user name, so a policy may name user `alice` as any of
 *   "alice", "arn:aws:iam::alice:root", "arn:aws:iam::alice:user/alice", {"CanonicalUser": "alice"}.
 * `null` is an anonymous request: only "*" / {"AWS": "*"} matches it.
 */
export interface PolicyPrincipal {
  userId: string;
}

export type ContextValue = string | string[] | undefined;

export interface PolicyRequest {
  principal: PolicyPrincipal | null;
  /** e.g. "s3:GetObject" */
  action: string;
  /** e.g. "arn:aws:s3:::bucket/key" */
  resource: string;
  /** Condition keys (case-insensitive names; stored lower-cased by `contextKeys`). */
  context: Record<string, ContextValue>;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';
