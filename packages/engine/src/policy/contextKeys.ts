/**
 * Condition key names are case-insensitive; the part after a '/' (tag keys of
 * s3:ExistingObjectTag/<key>, s3:RequestObjectTag/<key>) is kept as written.
 */
export function normalizeKey(key: string): string {
  const slash = key.indexOf('/');
  return slash === -1 ? key.toLowerCase() : key.slice(0, slash).toLowerCase() + key.slice(slash);
}
