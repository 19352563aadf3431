/**
 * The `--chunks s3://BUCKET/PREFIX?endpoint=URL` flag of `cairn serve`, `cairn fsck` and
 * `cairn worker` (chunks as objects in another S3 service, engine s3ChunkStore.ts), and where
 * its credentials come from. One rule: CAIRN_CHUNKS_ACCESS_KEY_ID / CAIRN_CHUNKS_SECRET_ACCESS_KEY
 * (and CAIRN_CHUNKS_SESSION_TOKEN) when set, else the AWS SDK's default chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws profiles, instance roles). Never in the URL:
 * command lines show up in process listings.
 */
import { isS3ChunkUrl, parseS3ChunkUrl, type S3ChunkCredentials } from '@cairn/engine';

/** `--chunks`: checked here so a typo is a usage error, not a start failure. */
export function parseChunksFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!isS3ChunkUrl(v)) throw new Error(`--chunks: expected s3://BUCKET/PREFIX?endpoint=URL, got ${v}`);
  try {
    parseS3ChunkUrl(v);
  } catch (e) {
    throw new Error(`--chunks: ${(e as Error).message}`, { cause: e });
  }
  return v;
}

/** The dedicated credentials, when both are set (one alone is an error: it would silently fall back). */
export function chunkCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): S3ChunkCredentials | undefined {
  const accessKeyId = env.CAIRN_CHUNKS_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.CAIRN_CHUNKS_SECRET_ACCESS_KEY || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new Error('set both CAIRN_CHUNKS_ACCESS_KEY_ID and CAIRN_CHUNKS_SECRET_ACCESS_KEY, or neither');
  }
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.CAIRN_CHUNKS_SESSION_TOKEN || undefined;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
