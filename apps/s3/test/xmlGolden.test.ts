/**
 * Golden files for every XML document the server emits, and round-trip checks of the
 * request-body codecs. Regenerate the goldens with UPDATE_GOLDEN=1 (then review the diff).
 */
import { renderError } from '../src/xml/error';
import { renderListAllMyBucketsResult } from '../src/xml/listAllMyBucketsResult';
import { renderListBucketResultV1, renderListBucketResultV2 } from '../src/xml/listBucketResult';
import { renderLocationConstraint } from '../src/xml/locationConstraint';
import { renderCopyObjectResult } from '../src/xml/copyObjectResult';
import { renderDeleteResult } from '../src/xml/deleteResult';
import { parseDelete } from '../src/xml/delete';
import { parseCreateBucketConfiguration } from '../src/xml/createBucketConfiguration';
import { parseXml } from '../src/xml/codec';
import { golden } from './helpers/golden';

const T0 = new Date('2024-01-02T03:04:05.678Z');
const owner = { id: 'root', displayName: 'Root <&> "owner"' };

describe('golden XML', () => {
  test('Error', () => {
    golden(
      'Error.xml',
      renderError({
        code: 'NoSuchKey',
        message: 'The specified key does not exist.',
        resource: '/bkt/a%20b',
        requestId: '0123456789ABCDEF',
        hostId: 'aG9zdA==',
        fields: { Key: 'a b <&>' },
      }),
    );
  });

  test('ListAllMyBucketsResult (page with token)', () => {
    golden(
      'ListAllMyBucketsResult.xml',
      renderListAllMyBucketsResult({
        owner,
        buckets: [
          { name: 'alpha', creationDate: T0, region: 'us-east-1' },
          { name: 'beta', creationDate: T0, region: 'eu-west-1' },
        ],
        continuationToken: 'beta',
        prefix: 'a',
      }),
    );
  });

  test('ListAllMyBucketsResult (empty)', () => {
    golden('ListAllMyBucketsResult-empty.xml', renderListAllMyBucketsResult({ owner, buckets: [] }));
  });

  const entries = [
    { key: 'a/1.txt', lastModified: T0, etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0, storageClass: 'STANDARD', owner },
    { key: 'tab\there & <xml> \u0001', lastModified: T0, etag: '0cc175b9c0f1b6a831c399e269772661', size: 1, storageClass: 'STANDARD_IA', owner },
  ];

  test('ListBucketResult v1', () => {
    golden(
      'ListBucketResult-v1.xml',
      renderListBucketResultV1({
        name: 'bkt',
        prefix: '',
        marker: '',
        nextMarker: 'b/',
        maxKeys: 2,
        delimiter: '/',
        isTruncated: true,
        contents: entries,
        commonPrefixes: ['b/'],
      }),
    );
  });

  test('ListBucketResult v2 (encoding-type=url)', () => {
    golden(
      'ListBucketResult-v2.xml',
      renderListBucketResultV2({
        name: 'bkt',
        prefix: 'a%2B',
        delimiter: '%2F',
        maxKeys: 1000,
        keyCount: 2,
        isTruncated: false,
        encodingType: 'url',
        continuationToken: 'MS9h',
        startAfter: 'a',
        contents: entries.map((e) => ({ ...e, owner: undefined, key: encodeURIComponent(e.key) })),
        commonPrefixes: ['a%2Bb/'],
      }),
    );
  });

  test('LocationConstraint', () => {
    golden('LocationConstraint-us-east-1.xml', renderLocationConstraint('us-east-1'));
    golden('LocationConstraint-eu-west-1.xml', renderLocationConstraint('eu-west-1'));
  });

  test('CopyObjectResult', () => {
    golden(
      'CopyObjectResult.xml',
      renderCopyObjectResult({
        etag: '9b2cf535f27731c974343645a3985328',
        lastModified: T0,
        checksum: { algorithm: 'CRC32', value: 'AAAAAA==', type: 'FULL_OBJECT' },
      }),
    );
  });

  test('DeleteResult', () => {
    golden(
      'DeleteResult.xml',
      renderDeleteResult({
        deleted: [{ key: 'a' }, { key: 'b', versionId: 'v1', deleteMarker: true, deleteMarkerVersionId: 'v2' }],
        errors: [{ key: 'c', code: 'AccessDenied', message: 'Access Denied' }],
      }),
    );
  });
});

describe('request codecs', () => {
  test('Delete: keys kept byte for byte, quiet, version ids', async () => {
    const doc = await parseDelete(
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>` +
          `<Object><Key> spaced </Key></Object><Object><Key>a&amp;b&#x9;</Key><VersionId>v1</VersionId></Object><Object><Key></Key></Object></Delete>`,
      ),
    );
    expect(doc).toEqual({ quiet: true, objects: [{ key: ' spaced ' }, { key: 'a&b\t', versionId: 'v1' }, { key: '' }] });
  });

  test('Delete: malformed, wrong root, too many keys, missing Key', async () => {
    await expect(parseDelete(Buffer.from('<Delete><Object><Key>a</Key></Object>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(parseDelete(Buffer.from('<Remove><Object><Key>a</Key></Object></Remove>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(parseDelete(Buffer.from('<Delete><Object></Object></Delete>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(parseDelete(Buffer.from('<Delete></Delete>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    const many = '<Delete>' + '<Object><Key>k</Key></Object>'.repeat(1001) + '</Delete>';
    await expect(parseDelete(Buffer.from(many))).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(parseDelete(Buffer.from(''))).rejects.toMatchObject({ code: 'MalformedXML' });
  });

  test('CreateBucketConfiguration', async () => {
    expect(
      await parseCreateBucketConfiguration(
        Buffer.from(
          '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
        ),
      ),
    ).toEqual({ locationConstraint: 'eu-west-1' });
    expect(await parseCreateBucketConfiguration(Buffer.from('<CreateBucketConfiguration/>'))).toEqual({ locationConstraint: undefined });
    await expect(parseCreateBucketConfiguration(Buffer.from('<x'))).rejects.toMatchObject({ code: 'MalformedXML' });
  });

  test('control characters: references in listings, %-escaped in error documents (always well-formed XML 1.0)', async () => {
    const err = renderError({ code: 'X', message: 'm', requestId: 'r', hostId: 'h', fields: { Key: 'a\u0000b\u0001c\uE000d&<>' } });
    expect(err).toContain('<Key>a%00b%01c\uE000d&amp;&lt;&gt;</Key>');
    const root = await parseXml(err, 'Error');
    expect((root.Key as { _: string }[])[0]._).toBe('a%00b%01c\uE000d&<>');
    const list = renderListBucketResultV1({
      name: 'b',
      prefix: '',
      marker: '',
      maxKeys: 1,
      isTruncated: false,
      commonPrefixes: [],
      contents: [{ key: 'k\u0001\uE000', lastModified: T0, etag: 'e', size: 0, storageClass: 'STANDARD' }],
    });
    expect(list).toContain('<Key>k&#x1;\uE000</Key>');
  });
});
