/**
 * Operations the dispatcher does not authorize from the request's own credentials:
 * - CORS preflights (OPTIONS): browsers never send credentials on them; S3 answers from the
 *   bucket's CORS rules alone (handlers/cors/corsPreflight.ts);
 * - POST Object: credentials travel inside the multipart form (policy + signature), so the
 *   handler authenticates the form and then calls authorize() as PutObject on bucket/key.
 */
export const SELF_AUTHORIZING_OPERATIONS: ReadonlySet<string> = new Set(['OptionsBucket', 'OptionsObject', 'PostObject']);

/** Of those, the ones whose request is not even authenticated (a preflight's query may hold a presigned URL's signature for another method). */
export const UNAUTHENTICATED_OPERATIONS: ReadonlySet<string> = new Set(['OptionsBucket', 'OptionsObject']);
