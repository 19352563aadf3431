/** Users, access keys and per-account usage (accounts/). Plain data: no HTTP, no XML. */

export interface User {
  id: string;
  displayName: string;
  email?: string;
  createdAt: string; // ISO 8601
  suspended?: boolean;
}

export interface UserInput {
  id: string;
  displayName?: string;
  email?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AccessKeyLookup {
  user: User;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A user's access key as listed (the secret is only ever returned at creation). */
export interface AccessKeyInfo {
  accessKeyId: string;
  userId: string;
  createdAt: string; // ISO 8601
}

export interface CreatedAccessKey extends AccessKeyInfo {
  secretAccessKey: string;
}

export interface CreateUserInput {
  id: string;
  displayName?: string;
  email?: string;
}

/** Fields updateUser may change; `email: null` removes it. */
export interface UserUpdate {
  displayName?: string;
  email?: string | null;
}

/** What one account was charged (accounting.ts). Bytes are request/response body lengths. */
export interface AccountUsage {
  userId: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Of the above: requests charged to this account as the requester of a Requester Pays bucket. */
  requesterPaysRequests: number;
  requesterPaysBytes: number;
}

/** One request to charge: to the requester (Requester Pays) or else the bucket owner / caller. */
export interface UsageCharge {
  userId: string;
  bytesIn?: number;
  bytesOut?: number;
  requesterPays?: boolean;
}
