/**
 * Lifecycle rules: S3's validation on AWS's documented example configurations (S3 User Guide,
 * "Examples of S3 Lifecycle configurations") and on the invalid shapes S3 rejects; due dates.
 */
import {
  decideKeyActions,
  dueAfterDays,
  expirationFor,
  ruleMatches,
  validateLifecycleConfiguration,
  type LifecycleConfiguration,
  type LifecycleRule,
} from '../src';

const DAY = 86_400_000;

function code(cfg: LifecycleConfiguration): string | undefined {
  try {
    validateLifecycleConfiguration(cfg);
    return undefined;
  } catch (e) {
    return (e as { code: string }).code;
  }
}

const rule = (r: Partial<LifecycleRule>): LifecycleRule => ({ id: 'r', status: 'Enabled', filter: {}, ...r });

describe('lifecycle configuration validation: AWS examples', () => {
  it('accepts the documented examples', () => {
    const examples: LifecycleConfiguration[] = [
      // Example 1: objects with key prefix tax/ go to Glacier after a year and expire after ten.
      {
        rules: [
          {
            id: 'example-id',
            status: 'Enabled',
            filter: { prefix: 'tax/' },
            transitions: [{ days: 365, storageClass: 'GLACIER' }],
            expiration: { days: 3650 },
          },
        ],
      },
      // Example 2: a disabled rule.
      { rules: [{ id: 'example-id', status: 'Disabled', filter: { prefix: 'logs/' }, transitions: [{ days: 0, storageClass: 'GLACIER' }] }] },
      // Example 3: tiering down over the object's lifetime.
      {
        rules: [
          {
            id: 'example-id',
            status: 'Enabled',
            filter: { prefix: 'logs/' },
            transitions: [
              { days: 30, storageClass: 'STANDARD_IA' },
              { days: 90, storageClass: 'GLACIER' },
            ],
            expiration: { days: 365 },
          },
        ],
      },
      // Example 4: tags and prefix combined with And.
      {
        rules: [
          {
            id: 'Rule 1',
            status: 'Enabled',
            filter: {
              and: {
                prefix: 'tax/',
                tags: [
                  { key: 'key1', value: 'value1' },
                  { key: 'key2', value: 'value2' },
                ],
              },
            },
            expiration: { days: 365 },
          },
        ],
      },
      // Versioned bucket: noncurrent transitions and expiration, keeping the newest noncurrent versions.
      {
        rules: [
          {
            id: 'sample-rule',
            status: 'Enabled',
            filter: { prefix: '' },
            noncurrentVersionTransitions: [{ noncurrentDays: 30, storageClass: 'STANDARD_IA' }],
            noncurrentVersionExpiration: { noncurrentDays: 365, newerNoncurrentVersions: 5 },
          },
        ],
      },
      // Removing expired object delete markers.
      {
        rules: [
          {
            id: 'Rule 1',
            status: 'Enabled',
            filter: { prefix: 'logs/' },
            expiration: { expiredObjectDeleteMarker: true },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
          },
        ],
      },
      // Aborting incomplete multipart uploads.
      { rules: [{ id: 'sample-rule', status: 'Enabled', filter: { prefix: 'SomeKeyPrefix/' }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }] },
      // Object size filters.
      {
        rules: [
          {
            id: 'Allow small object transitions',
            status: 'Enabled',
            filter: { and: { prefix: 'tax/', tags: [], objectSizeGreaterThan: 500, objectSizeLessThan: 64000 } },
            transitions: [{ days: 365, storageClass: 'GLACIER_IR' }],
          },
        ],
      },
      // The legacy top-level Prefix.
      { rules: [{ id: 'legacy', status: 'Enabled', prefix: 'documents/', expiration: { date: '2030-01-01T00:00:00.000Z' } }] },
    ];
    for (const cfg of examples) expect(code(cfg)).toBeUndefined();
  });

  it('rejects what S3 rejects, with its codes', () => {
    expect(code({ rules: [] })).toBe('MalformedXML');
    expect(code({ rules: Array.from({ length: 1001 }, (_, i) => rule({ id: `r${i}`, expiration: { days: 1 } })) })).toBe('InvalidRequest');
    expect(code({ rules: [rule({ id: 'x'.repeat(256), expiration: { days: 1 } })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ id: 'a', expiration: { days: 1 } }), rule({ id: 'a', expiration: { days: 2 } })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ status: 'enabled' as never, expiration: { days: 1 } })] })).toBe('MalformedXML');
    expect(code({ rules: [rule({ filter: { prefix: 'a', tag: { key: 'k', value: 'v' } }, expiration: { days: 1 } })] })).toBe('MalformedXML');
    expect(code({ rules: [rule({ prefix: 'a', filter: { prefix: 'a' }, expiration: { days: 1 } })] })).toBe('MalformedXML');
    expect(code({ rules: [rule({})] })).toBe('InvalidRequest'); // no action
    expect(code({ rules: [rule({ expiration: { days: 0 } })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ expiration: { days: 1, expiredObjectDeleteMarker: true } })] })).toBe('MalformedXML');
    expect(code({ rules: [rule({ expiration: { date: '2030-01-01T10:00:00.000Z' } })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ filter: { tag: { key: 'k', value: 'v' } }, expiration: { expiredObjectDeleteMarker: true } })] })).toBe('InvalidRequest');
    expect(code({ rules: [rule({ noncurrentVersionExpiration: { noncurrentDays: 0 } })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ noncurrentVersionExpiration: { noncurrentDays: 1, newerNoncurrentVersions: 101 } })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ filter: { tag: { key: 'k', value: 'v' } }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } })] })).toBe(
      'InvalidRequest',
    );
    expect(code({ rules: [rule({ transitions: [{ days: 10, storageClass: 'STANDARD_IA' }] })] })).toBe('InvalidArgument');
    expect(code({ rules: [rule({ transitions: [{ days: 10, storageClass: 'STANDARD' }] })] })).toBe('MalformedXML');
    expect(code({ rules: [rule({ transitions: [{ days: 10, storageClass: 'GLACIER' }], expiration: { days: 5 } })] })).toBe('InvalidRequest');
    expect(
      code({ rules: [rule({ filter: { and: { prefix: 'a', tags: [], objectSizeGreaterThan: 10, objectSizeLessThan: 5 } }, expiration: { days: 1 } })] }),
    ).toBe('InvalidArgument');
  });

  it('generates an ID when a rule has none', () => {
    const v = validateLifecycleConfiguration({ rules: [{ id: '', status: 'Enabled', filter: {}, expiration: { days: 1 } }] });
    expect(v.rules[0].id).toMatch(/^[A-Za-z0-9]{48}$/);
  });
});

describe('lifecycle due dates', () => {
  it('adds the days and rounds up to the next midnight UTC', () => {
    const created = Date.parse('2024-01-15T10:30:00Z');
    expect(new Date(dueAfterDays(created, 3)).toISOString()).toBe('2024-01-19T00:00:00.000Z');
    expect(new Date(dueAfterDays(Date.parse('2024-01-15T00:00:00Z'), 1)).toISOString()).toBe('2024-01-16T00:00:00.000Z');
    expect(new Date(dueAfterDays(Date.parse('2024-02-28T23:59:59Z'), 1)).toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('scales with a short lifecycle day: midnight = every multiple of the day since the epoch', () => {
    expect(dueAfterDays(10_500, 1, 2000)).toBe(14_000);
    expect(dueAfterDays(10_000, 2, 2000)).toBe(14_000);
  });

  it('the earliest applicable expiration wins; filters decide applicability', () => {
    const rules = [
      rule({ id: 'logs', filter: { prefix: 'logs/' }, expiration: { days: 10 } }),
      rule({ id: 'tagged', filter: { tag: { key: 'tmp', value: 'yes' } }, expiration: { days: 2 } }),
      rule({ id: 'big', filter: { objectSizeGreaterThan: 1000 }, expiration: { days: 5 } }),
      rule({ id: 'off', status: 'Disabled', expiration: { days: 1 } }),
    ];
    const t = Date.parse('2024-01-01T12:00:00Z');
    expect(expirationFor(rules, { key: 'logs/a', size: 1, lastModified: t })).toEqual({ due: Date.parse('2024-01-12T00:00:00Z'), ruleId: 'logs' });
    expect(expirationFor(rules, { key: 'logs/a', size: 1, lastModified: t, tags: { tmp: 'yes' } })?.ruleId).toBe('tagged');
    expect(expirationFor(rules, { key: 'logs/a', size: 5000, lastModified: t })?.ruleId).toBe('big');
    expect(expirationFor(rules, { key: 'other', size: 1, lastModified: t })).toBeUndefined();
    expect(ruleMatches(rules[3], { key: 'x', size: 1 })).toBe(false);
  });
});

describe('lifecycle decisions per key', () => {
  const bucket = (rules: LifecycleRule[]) => ({ name: 'b', id: '1', owner: 'root', generation: 1, rules, versioning: 'Enabled' as const });
  const v = (versionId: string, lastModified: number, extra: object = {}) => ({
    versionId,
    lastModified,
    size: 1,
    etag: 'e',
    storageClass: 'STANDARD' as const,
    ...extra,
  });

  it('noncurrent expiration counts from when a version became noncurrent, keeping NewerNoncurrentVersions', () => {
    const now = 100 * DAY;
    const k = {
      key: 'k',
      versions: [
        v('v4', 99 * DAY),
        v('v3', 50 * DAY, { noncurrentSince: 99 * DAY }),
        v('v2', 10 * DAY, { noncurrentSince: 50 * DAY }),
        v('v1', 5 * DAY, { noncurrentSince: 10 * DAY }),
      ],
    };
    const acts = decideKeyActions(bucket([rule({ noncurrentVersionExpiration: { noncurrentDays: 30 } })]), k, now, DAY);
    expect(acts.map((a) => (a as { versionId: string }).versionId)).toEqual(['v2', 'v1']); // v3 noncurrent for 1 day only
    const kept = decideKeyActions(bucket([rule({ noncurrentVersionExpiration: { noncurrentDays: 30, newerNoncurrentVersions: 2 } })]), k, now, DAY);
    expect(kept.map((a) => (a as { versionId: string }).versionId)).toEqual(['v1']);
  });

  it('removes a delete marker only when it is the last version', () => {
    const r = [rule({ expiration: { expiredObjectDeleteMarker: true } })];
    expect(decideKeyActions(bucket(r), { key: 'k', versions: [v('m', 1, { deleteMarker: true })] }, 10 * DAY, DAY)).toEqual([
      { kind: 'deleteVersion', bucket: 'b', key: 'k', versionId: 'm', lastModified: 1, onlyIfSoleMarker: true },
    ]);
    expect(decideKeyActions(bucket(r), { key: 'k', versions: [v('m', 2, { deleteMarker: true }), v('o', 1, { noncurrentSince: 2 })] }, 10 * DAY, DAY)).toEqual(
      [],
    );
  });
});
