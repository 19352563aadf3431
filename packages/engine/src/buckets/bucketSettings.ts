/**
 * Bucket settings stored as extra fields of the bucket record B/<name> (CORS rules, request
 * payment, website configuration), so the per-request checks read them from the bucket cache without I/O. Every change
 * is a read-modify-write of the record under the commit lock that refreshes the cache after the
 * batch (the BucketCache rule), keeping fields other features store in the record.
 */
import { malformedXml } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { requireBucket, type BucketRecord } from './bucketRecord';
import type { CorsRule, RequestPayer, WebsiteConfiguration } from '../types';
import { copyWebsiteConfiguration, validateWebsiteConfiguration } from './website';

interface SettingsFields {
  cors?: CorsRule[];
  requestPayer?: RequestPayer;
  website?: WebsiteConfiguration;
}

type WithSettings = BucketRecord & SettingsFields;

function update(ctx: Ctx, name: string, fn: (rec: WithSettings) => void): Promise<void> {
  return ctx.committer.run(async (tx) => {
    const next: WithSettings = { ...(await requireBucket(ctx, name)) };
    fn(next);
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

function copyRule(r: CorsRule): CorsRule {
  const out: CorsRule = {
    allowedOrigins: [...r.allowedOrigins],
    allowedMethods: [...r.allowedMethods],
    allowedHeaders: [...(r.allowedHeaders ?? [])],
    exposeHeaders: [...(r.exposeHeaders ?? [])],
  };
  if (r.id !== undefined) out.id = r.id;
  if (r.maxAgeSeconds !== undefined) out.maxAgeSeconds = r.maxAgeSeconds;
  return out;
}

export function putBucketCors(ctx: Ctx, name: string, rules: CorsRule[] | undefined): Promise<void> {
  if (rules !== undefined && (!Array.isArray(rules) || rules.some((r) => !r || !Array.isArray(r.allowedOrigins) || !Array.isArray(r.allowedMethods)))) {
    return Promise.reject(malformedXml('A CORS rule needs AllowedOrigin and AllowedMethod'));
  }
  return update(ctx, name, (rec) => {
    if (rules === undefined) delete rec.cors;
    else rec.cors = rules.map(copyRule);
  });
}

export async function getBucketCors(ctx: Ctx, name: string): Promise<CorsRule[] | undefined> {
  const rec = (await requireBucket(ctx, name)) as WithSettings;
  return rec.cors?.map(copyRule);
}

export function putBucketRequestPayment(ctx: Ctx, name: string, payer: RequestPayer): Promise<void> {
  if (payer !== 'BucketOwner' && payer !== 'Requester') {
    return Promise.reject(malformedXml('Payer must be BucketOwner or Requester'));
  }
  return update(ctx, name, (rec) => {
    if (payer === 'Requester') rec.requestPayer = 'Requester';
    else delete rec.requestPayer;
  });
}

export async function getBucketRequestPayment(ctx: Ctx, name: string): Promise<RequestPayer> {
  const rec = (await requireBucket(ctx, name)) as WithSettings;
  return rec.requestPayer ?? 'BucketOwner';
}

export function putBucketWebsite(ctx: Ctx, name: string, config: WebsiteConfiguration | undefined): Promise<void> {
  try {
    if (config !== undefined) validateWebsiteConfiguration(config);
  } catch (e) {
    return Promise.reject(e);
  }
  return update(ctx, name, (rec) => {
    if (config === undefined) delete rec.website;
    else rec.website = copyWebsiteConfiguration(config);
  });
}

export async function getBucketWebsite(ctx: Ctx, name: string): Promise<WebsiteConfiguration | undefined> {
  const rec = (await requireBucket(ctx, name)) as WithSettings;
  return rec.website && copyWebsiteConfiguration(rec.website);
}
