/**
 * Golden files for the multipart XML documents, and the CompleteMultipartUpload request codec.
 * Regenerate the goldens with UPDATE_GOLDEN=1 (then review the diff).
 */
import { renderInitiateMultipartUploadResult } from '../src/xml/initiateMultipartUploadResult';
import { renderCompleteMultipartUploadResult } from '../src/xml/completeMultipartUploadResult';
import { renderCopyPartResult } from '../src/xml/copyPartResult';
import { renderListPartsResult } from '../src/xml/listPartsResult';
import { renderListMultipartUploadsResult } from '../src/xml/listMultipartUploadsResult';
import { parseCompleteMultipartUpload } from '../src/xml/completeMultipartUpload';
import { golden } from './helpers/golden';

const T0 = new Date('2024-01-02T03:04:05.678Z');
const owner = { id: 'root', displayName: 'Root <&> "owner"' };

describe('golden multipart XML', () => {
  test('InitiateMultipartUploadResult', () => {
    golden(
      'InitiateMultipartUploadResult.xml',
      renderInitiateMultipartUploadResult({ bucket: 'bkt', key: 'a <b>&c', uploadId: '0123456789abcdef0123456789abcdef' }),
    );
  });

  test('CompleteMultipartUploadResult (with a composite checksum)', () => {
    golden(
      'CompleteMultipartUploadResult.xml',
      renderCompleteMultipartUploadResult({
        location: 'http://127.0.0.1:9000/bkt/a%20b',
        bucket: 'bkt',
        key: 'a b',
        etag: '3858f62230ac3c915f300c664312c11f-9',
        checksum: { algorithm: 'CRC32', value: 'AAAAAA==-9', type: 'COMPOSITE' },
      }),
    );
  });

  test('CopyPartResult', () => {
    golden(
      'CopyPartResult.xml',
      renderCopyPartResult({ etag: '9b2cf535f27731c974343645a3985328', lastModified: T0, checksum: { algorithm: 'SHA256', value: 'x'.repeat(43) + '=' } }),
    );
  });

  test('ListPartsResult (truncated page)', () => {
    golden(
      'ListPartsResult.xml',
      renderListPartsResult({
        bucket: 'bkt',
        key: 'big & <file>',
        uploadId: '0123456789abcdef0123456789abcdef',
        partNumberMarker: 1,
        nextPartNumberMarker: 3,
        maxParts: 2,
        isTruncated: true,
        parts: [
          { partNumber: 2, lastModified: T0, etag: '7778aef83f66abc1fa1e8477f296d394', size: 5242880, checksum: { algorithm: 'CRC32', value: 'AAAAAA==' } },
          { partNumber: 3, lastModified: T0, etag: 'aaaaaef83f66abc1fa1e8477f296d394', size: 10 },
        ],
        initiator: owner,
        owner,
        storageClass: 'STANDARD',
        checksumAlgorithm: 'CRC32',
        checksumType: 'COMPOSITE',
      }),
    );
  });

  test('ListMultipartUploadsResult (delimiter, truncated)', () => {
    golden(
      'ListMultipartUploadsResult.xml',
      renderListMultipartUploadsResult({
        bucket: 'bkt',
        keyMarker: 'a',
        uploadIdMarker: '',
        nextKeyMarker: 'c',
        nextUploadIdMarker: '0123456789abcdef0123456789abcdef',
        prefix: '',
        delimiter: '/',
        maxUploads: 2,
        isTruncated: true,
        uploads: [{ key: 'c', uploadId: '0123456789abcdef0123456789abcdef', initiator: owner, owner, storageClass: 'STANDARD_IA', initiated: T0 }],
        commonPrefixes: ['b/'],
      }),
    );
  });

  test('ListMultipartUploadsResult (empty)', () => {
    golden(
      'ListMultipartUploadsResult-empty.xml',
      renderListMultipartUploadsResult({
        bucket: 'bkt',
        keyMarker: '',
        uploadIdMarker: '',
        prefix: '',
        maxUploads: 1000,
        isTruncated: false,
        uploads: [],
        commonPrefixes: [],
      }),
    );
  });
});

describe('CompleteMultipartUpload request', () => {
  test('parts with quoted ETags, checksums, namespaces and whitespace', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part><ETag>"a54357aff0632cce46d942af68356b38"</ETag><PartNumber> 1 </PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
  <Part>
    <PartNumber>3</PartNumber>
    <ETag>0c78aef83f66abc1fa1e8477f296d394</ETag>
  </Part>
</CompleteMultipartUpload>`;
    expect(await parseCompleteMultipartUpload(Buffer.from(xml))).toEqual([
      { partNumber: 1, etag: '"a54357aff0632cce46d942af68356b38"', checksums: { CRC32: 'AAAAAA==' } },
      { partNumber: 3, etag: '0c78aef83f66abc1fa1e8477f296d394', checksums: {} },
    ]);
  });

  test.each([
    ['not xml', 'garbage'],
    ['empty body', ''],
    ['no parts', '<CompleteMultipartUpload/>'],
    ['part without a number', '<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>'],
    ['part without an ETag', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>'],
    ['non-numeric part number', '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>'],
    ['two ETags', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag><ETag>y</ETag></Part></CompleteMultipartUpload>'],
    ['wrong root', '<Delete><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Delete>'],
  ])('%s is MalformedXML', async (_name, xml) => {
    await expect(parseCompleteMultipartUpload(Buffer.from(xml))).rejects.toMatchObject({ code: 'MalformedXML' });
  });
});
