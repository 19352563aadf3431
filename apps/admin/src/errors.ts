/**
 * Admin API errors: JSON `{ "error": { "code", "message" } }`. Engine errors keep their code;
 * the status comes from this table (IAM-like codes for accounts, S3's for buckets).
 */
import { isS3Error } from '@cairn/engine';

export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

const STATUS: Record<string, number> = {
  Unauthorized: 401,
  AccessDenied: 403,
  NoSuchEntity: 404,
  NoSuchBucket: 404,
  NotFound: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  InvalidArgument: 400,
  MalformedJSON: 400,
  UserSuspended: 403,
};

export function toAdminError(e: unknown): { status: number; code: string; message: string; unexpected?: unknown } {
  if (e instanceof AdminError) return { status: e.status, code: e.code, message: e.message };
  if (isS3Error(e)) return { status: STATUS[e.code] ?? 400, code: e.code, message: e.message };
  return { status: 500, code: 'InternalError', message: 'internal error', unexpected: e };
}
