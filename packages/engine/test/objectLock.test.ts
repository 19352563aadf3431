/** Object Lock at the engine level: configuration, retention, legal hold, deletion rules. */
import { S3Error } from '../src';
import { body, openEngine, type TestEngine } from './helpers';

let t: TestEngine;
beforeEach(async () => {
  t = await openEngine();
});
afterEach(async () => t.cleanup());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as S3Error).code;
  }
  return 'none';
}

const future = (ms: number) => new Date(Date.now() + ms);

test('a lock bucket is versioned for good; configuration and default retention', async () => {
  const e = t.engine;
  const b = await e.createBucket('locked', { owner: 'root', objectLockEnabled: true });
  expect(b.versioning).toBe('Enabled');
  expect(await e.getObjectLockConfiguration('locked')).toEqual({ enabled: true });
  expect(await code(e.putBucketVersioning('locked', 'Suspended'))).toBe('InvalidBucketState');
  await e.createBucket('plain', { owner: 'root' });
  expect(await code(e.getObjectLockConfiguration('plain'))).toBe('ObjectLockConfigurationNotFoundError');
  expect(await code(e.putObjectLockConfiguration('plain', { enabled: true }))).toBe('InvalidBucketState');
  await e.putBucketVersioning('plain', 'Enabled');
  await e.putObjectLockConfiguration('plain', { enabled: true });
  expect(await code(e.putObjectLockConfiguration('locked', { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 0 } }))).toBe(
    'InvalidRetentionPeriod',
  );
  expect(await code(e.putObjectLockConfiguration('locked', { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 1, years: 1 } }))).toBe(
    'MalformedXML',
  );

  await e.putObjectLockConfiguration('locked', { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 1 } });
  const m = await e.putObject('locked', 'k', body('x'), { owner: 'root' });
  expect(m.retention?.mode).toBe('GOVERNANCE');
  expect(m.retention!.retainUntil.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
  // Deleting without a version id only adds a marker: allowed.
  const del = await e.deleteObject('locked', 'k');
  expect(del.deleteMarker).toBe(true);
  // The protected version: not without bypass; with bypass (GOVERNANCE) yes.
  expect(await code(e.deleteObject('locked', 'k', { versionId: m.versionId }))).toBe('AccessDenied');
  await e.deleteObject('locked', 'k', { versionId: m.versionId, bypassGovernance: true });
  expect((await e.verifyRefcounts()).problems).toEqual([]);
});

test('COMPLIANCE cannot be shortened or bypassed; legal hold blocks deletion until lifted', async () => {
  const e = t.engine;
  await e.createBucket('locked', { owner: 'root', objectLockEnabled: true });
  const m = await e.putObject('locked', 'c', body('x'), { owner: 'root', lock: { retention: { mode: 'COMPLIANCE', retainUntil: future(60_000) } } });
  expect(await code(e.deleteObject('locked', 'c', { versionId: m.versionId, bypassGovernance: true }))).toBe('AccessDenied');
  expect(await code(e.putObjectRetention('locked', 'c', { mode: 'COMPLIANCE', retainUntil: future(1000) }, { bypassGovernance: true }))).toBe('AccessDenied');
  expect(await code(e.putObjectRetention('locked', 'c', { mode: 'GOVERNANCE', retainUntil: future(120_000) }, { bypassGovernance: true }))).toBe(
    'AccessDenied',
  );
  expect(await code(e.putObjectRetention('locked', 'c', undefined, { bypassGovernance: true }))).toBe('AccessDenied');
  // Extending is fine.
  await e.putObjectRetention('locked', 'c', { mode: 'COMPLIANCE', retainUntil: future(120_000) });
  expect((await e.getObjectRetention('locked', 'c')).mode).toBe('COMPLIANCE');

  const g = await e.putObject('locked', 'g', body('x'), { owner: 'root', lock: { retention: { mode: 'GOVERNANCE', retainUntil: future(60_000) } } });
  expect(await code(e.putObjectRetention('locked', 'g', { mode: 'GOVERNANCE', retainUntil: future(1000) }))).toBe('AccessDenied');
  // GOVERNANCE → COMPLIANCE is a change of the lock too: bypass needed, even with a later date.
  expect(await code(e.putObjectRetention('locked', 'g', { mode: 'COMPLIANCE', retainUntil: future(120_000) }))).toBe('AccessDenied');
  await e.putObjectRetention('locked', 'g', { mode: 'GOVERNANCE', retainUntil: future(90_000) });
  await e.putObjectRetention('locked', 'g', undefined, { bypassGovernance: true });
  expect(await code(e.getObjectRetention('locked', 'g'))).toBe('NoSuchObjectLockConfiguration');

  expect(await code(e.getObjectLegalHold('locked', 'g'))).toBe('NoSuchObjectLockConfiguration');
  await e.putObjectLegalHold('locked', 'g', true);
  expect(await e.getObjectLegalHold('locked', 'g', { versionId: g.versionId })).toBe(true);
  expect(await code(e.deleteObject('locked', 'g', { versionId: g.versionId, bypassGovernance: true }))).toBe('AccessDenied');
  const multi = await e.deleteObjects('locked', [{ key: 'g', versionId: g.versionId }]);
  expect(multi[0].error?.code).toBe('AccessDenied');
  await e.putObjectLegalHold('locked', 'g', false);
  expect(await e.getObjectLegalHold('locked', 'g')).toBe(false);
  await e.deleteObject('locked', 'g', { versionId: g.versionId });

  expect(
    await code(e.putObject('locked', 'p', body('x'), { owner: 'root', lock: { retention: { mode: 'GOVERNANCE', retainUntil: new Date(Date.now() - 1000) } } })),
  ).toBe('InvalidArgument');
  await e.createBucket('plain', { owner: 'root' });
  expect(await code(e.putObject('plain', 'p', body('x'), { owner: 'root', lock: { legalHold: true } }))).toBe('InvalidRequest');
  await e.putObject('plain', 'p', body('x'), { owner: 'root' });
  expect(await code(e.putObjectRetention('plain', 'p', { mode: 'GOVERNANCE', retainUntil: future(1000) }))).toBe('InvalidRequest');
  expect((await e.verifyRefcounts()).problems).toEqual([]);
});
