/**
 * Golden files for the versioning, tagging and Object Lock documents (VersioningConfiguration,
 * ListVersionsResult, Tagging, ObjectLockConfiguration, Retention, LegalHold) and round trips of their request codecs.
 * Regenerate with UPDATE_GOLDEN=1 (then review the diff).
 */
import { parseVersioningConfiguration, renderVersioningConfiguration } from '../src/xml/versioningConfiguration';
import { renderListVersionsResult } from '../src/xml/listVersionsResult';
import { parseTagging, renderTagging } from '../src/xml/tagging';
import {
  parseLegalHold,
  parseObjectLockConfiguration,
  parseRetention,
  renderLegalHold,
  renderObjectLockConfiguration,
  renderRetention,
} from '../src/xml/objectLock';
import { golden, rejectedCode } from './helpers/golden';

const T0 = new Date('2024-01-02T03:04:05.678Z');
const owner = { id: 'root', displayName: 'Root <&> "owner"' };

test('VersioningConfiguration', async () => {
  golden('VersioningConfiguration-empty.xml', renderVersioningConfiguration({}));
  golden('VersioningConfiguration-enabled.xml', renderVersioningConfiguration({ status: 'Enabled' }));
  expect(
    await parseVersioningConfiguration(
      Buffer.from('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>'),
    ),
  ).toEqual({ status: 'Suspended' });
  expect(
    await parseVersioningConfiguration(
      Buffer.from('<VersioningConfiguration><MfaDelete>Disabled</MfaDelete><Status>Enabled</Status></VersioningConfiguration>'),
    ),
  ).toEqual({ status: 'Enabled', mfaDelete: 'Disabled' });
  expect(await rejectedCode(parseVersioningConfiguration(Buffer.from('<VersioningConfiguration><Status>On</Status></VersioningConfiguration>')))).toBe(
    'MalformedXML',
  );
  expect(await rejectedCode(parseVersioningConfiguration(Buffer.from('<Versioning/>')))).toBe('MalformedXML');
});

test('ListVersionsResult interleaves versions and delete markers in listing order', () => {
  golden(
    'ListVersionsResult.xml',
    renderListVersionsResult({
      name: 'bkt',
      prefix: 'p',
      keyMarker: '',
      versionIdMarker: '',
      nextKeyMarker: 'p/b',
      nextVersionIdMarker: 'null',
      maxKeys: 3,
      delimiter: '/',
      isTruncated: true,
      entries: [
        { deleteMarker: true, key: 'p<&>a', versionId: 'ffff0000aaaa0000bbbb0000', isLatest: true, lastModified: T0, owner },
        {
          deleteMarker: false,
          key: 'p<&>a',
          versionId: 'ffff0000aaaa0000bbbb0001',
          isLatest: false,
          lastModified: T0,
          owner,
          etag: 'abc',
          size: 3,
          storageClass: 'STANDARD',
        },
        {
          deleteMarker: false,
          key: 'p/b',
          versionId: 'null',
          isLatest: true,
          lastModified: T0,
          owner,
          etag: 'def',
          size: 0,
          storageClass: 'GLACIER',
          checksumAlgorithm: 'CRC32',
          checksumType: 'FULL_OBJECT',
        },
      ],
      commonPrefixes: ['p/x/'],
    }),
  );
  golden(
    'ListVersionsResult-empty.xml',
    renderListVersionsResult({
      name: 'bkt',
      prefix: '',
      keyMarker: '',
      versionIdMarker: '',
      maxKeys: 1000,
      isTruncated: false,
      entries: [],
      commonPrefixes: [],
    }),
  );
});

test('Tagging', async () => {
  golden(
    'Tagging.xml',
    renderTagging([
      { key: 'a b', value: 'ü<&>' },
      { key: 'empty', value: '' },
    ]),
  );
  golden('Tagging-empty.xml', renderTagging([]));
  expect(
    await parseTagging(Buffer.from('<Tagging><TagSet><Tag><Key>k</Key><Value></Value></Tag><Tag><Key> s </Key><Value>v</Value></Tag></TagSet></Tagging>')),
  ).toEqual([
    { key: 'k', value: '' },
    { key: ' s ', value: 'v' },
  ]);
  expect(await parseTagging(Buffer.from('<Tagging><TagSet/></Tagging>'))).toEqual([]);
  expect(await rejectedCode(parseTagging(Buffer.from('<Tagging></Tagging>')))).toBe('MalformedXML');
  expect(await rejectedCode(parseTagging(Buffer.from('<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>')))).toBe('MalformedXML');
});

test('Object Lock documents', async () => {
  golden('ObjectLockConfiguration.xml', renderObjectLockConfiguration({ enabled: true, defaultRetention: { mode: 'COMPLIANCE', years: 2 } }));
  golden('ObjectLockConfiguration-enabled.xml', renderObjectLockConfiguration({ enabled: true }));
  golden('Retention.xml', renderRetention({ mode: 'GOVERNANCE', retainUntil: T0 }));
  golden('LegalHold.xml', renderLegalHold(true));
  expect(
    await parseObjectLockConfiguration(
      Buffer.from(
        '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
      ),
    ),
  ).toEqual({
    enabled: true,
    defaultRetention: { mode: 'GOVERNANCE', days: 3 },
  });
  expect(
    await rejectedCode(
      parseObjectLockConfiguration(Buffer.from('<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>')),
    ),
  ).toBe('MalformedXML');
  expect(
    await rejectedCode(
      parseObjectLockConfiguration(
        Buffer.from(
          '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>X</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
        ),
      ),
    ),
  ).toBe('MalformedXML');
  expect(await parseRetention(Buffer.from('<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>'))).toEqual({
    mode: 'COMPLIANCE',
    retainUntil: new Date('2030-01-01T00:00:00Z'),
  });
  expect(await parseRetention(Buffer.from('<Retention/>'))).toBeUndefined();
  expect(await rejectedCode(parseRetention(Buffer.from('<Retention><Mode>GOVERNANCE</Mode></Retention>')))).toBe('MalformedXML');
  expect(await parseLegalHold(Buffer.from('<LegalHold><Status>OFF</Status></LegalHold>'))).toBe(false);
  expect(await rejectedCode(parseLegalHold(Buffer.from('<LegalHold><Status>on</Status></LegalHold>')))).toBe('MalformedXML');
});
