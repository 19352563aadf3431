/**
 * Object and bucket tags: S3's limits, checked in the engine so every front end enforces them.
 * Stored as [key, value] pairs in the object (records.ts) or bucket (buckets.ts) record.
 */
import { S3Error } from '../errors';
import type { Tag } from '../types';

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;

// Letters, digits and spaces in any language, plus + - = . _ : / @ (S3's documented set).
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{Zs}+\-=._:/@]*$/u;

const invalidTag = (message: string, fields: Record<string, string> = {}): S3Error => new S3Error('InvalidTag', message, fields);

const chars = (s: string): number => [...s].length;

export function validateTags(tags: Tag[], kind: 'object' | 'bucket'): void {
  const max = kind === 'object' ? MAX_OBJECT_TAGS : MAX_BUCKET_TAGS;
  if (tags.length > max) throw invalidTag(kind === 'object' ? `Object tags cannot be greater than ${max}` : `Bucket tag count cannot be greater than ${max}`);
  const seen = new Set<string>();
  for (const t of tags) {
    if (typeof t.key !== 'string' || typeof t.value !== 'string') throw invalidTag('The TagKey you have provided is invalid');
    if (chars(t.key) < 1 || chars(t.key) > MAX_TAG_KEY_CHARS || !ALLOWED.test(t.key)) {
      throw invalidTag('The TagKey you have provided is invalid', { TagKey: t.key });
    }
    if (chars(t.value) > MAX_TAG_VALUE_CHARS || !ALLOWED.test(t.value)) {
      throw invalidTag('The TagValue you have provided is invalid', { TagKey: t.key, TagValue: t.value });
    }
    if (t.key.toLowerCase().startsWith('aws:')) throw invalidTag('Your TagKey cannot be prefixed with aws:', { TagKey: t.key });
    if (seen.has(t.key)) throw invalidTag('Cannot provide multiple Tags with the same key', { TagKey: t.key });
    seen.add(t.key);
  }
}

export const toStoredTags = (tags: Tag[]): [string, string][] => tags.map((t) => [t.key, t.value]);
export const fromStoredTags = (tags: [string, string][] | undefined): Tag[] => (tags ?? []).map(([key, value]) => ({ key, value }));
