/**
 * Golden files and parse checks for the access-control documents: AccessControlPolicy (both
 * directions), PolicyStatus, PublicAccessBlockConfiguration, OwnershipControls.
 * Regenerate with UPDATE_GOLDEN=1 (then review the diff).
 */
import { ALL_USERS_URI, cannedAcl, type Acl } from '@cairn/engine';
import { parseAccessControlPolicy, renderAccessControlPolicy } from '../src/xml/accessControlPolicy';
import { renderPolicyStatus } from '../src/xml/policyStatus';
import { parsePublicAccessBlockConfiguration, renderPublicAccessBlockConfiguration } from '../src/xml/publicAccessBlockConfiguration';
import { parseOwnershipControls, renderOwnershipControls } from '../src/xml/ownershipControls';
import { parseGrantHeader } from '../src/http/aclRequest';
import { golden, rejectedCode } from './helpers/golden';

const names: Record<string, string> = { alice: 'Alice <&>', bob: 'Bob' };

describe('golden XML', () => {
  test('AccessControlPolicy (canned public-read + a user grant)', () => {
    const acl: Acl = {
      owner: 'alice',
      grants: [...cannedAcl('public-read', 'alice').grants, { grantee: { type: 'CanonicalUser', id: 'bob' }, permission: 'WRITE_ACP' }],
    };
    golden(
      'AccessControlPolicy.xml',
      renderAccessControlPolicy(acl, (id) => names[id]),
    );
  });
  test('PolicyStatus', () => golden('PolicyStatus.xml', renderPolicyStatus(true)));
  test('PublicAccessBlockConfiguration', () =>
    golden(
      'PublicAccessBlockConfiguration.xml',
      renderPublicAccessBlockConfiguration({ blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false }),
    ));
  test('OwnershipControls', () => golden('OwnershipControls.xml', renderOwnershipControls('BucketOwnerPreferred')));
});

describe('parsing', () => {
  test('AccessControlPolicy round-trips, with email and group grantees', async () => {
    const acl: Acl = { owner: 'alice', grants: cannedAcl('public-read-write', 'alice').grants };
    const doc = await parseAccessControlPolicy(Buffer.from(renderAccessControlPolicy(acl, (id) => names[id])));
    expect(doc.ownerId).toBe('alice');
    expect(doc.grants).toEqual(acl.grants);
    const withEmail = `<AccessControlPolicy><Owner><ID>alice</ID></Owner><AccessControlList>
      <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>bob@example.com</EmailAddress></Grantee><Permission>READ</Permission></Grant>
      <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${ALL_USERS_URI}</URI></Grantee><Permission>READ_ACP</Permission></Grant>
    </AccessControlList></AccessControlPolicy>`;
    expect((await parseAccessControlPolicy(Buffer.from(withEmail))).grants).toEqual([
      { grantee: { type: 'AmazonCustomerByEmail', email: 'bob@example.com' }, permission: 'READ' },
      { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'READ_ACP' },
    ]);
  });

  test('bad AccessControlPolicy bodies are MalformedACLError', async () => {
    const grant = (grantee: string, perm = 'READ'): string =>
      `<AccessControlPolicy><AccessControlList><Grant>${grantee}<Permission>${perm}</Permission></Grant></AccessControlList></AccessControlPolicy>`;
    expect(await rejectedCode(parseAccessControlPolicy(Buffer.from('<AccessControlPolicy><Owner>')))).toBe('MalformedACLError');
    expect(await rejectedCode(parseAccessControlPolicy(Buffer.from('<Other/>')))).toBe('MalformedACLError');
    expect(
      await rejectedCode(
        parseAccessControlPolicy(
          Buffer.from(grant('<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee>', 'EVERYTHING')),
        ),
      ),
    ).toBe('MalformedACLError');
    expect(await rejectedCode(parseAccessControlPolicy(Buffer.from(grant('<Grantee><ID>x</ID></Grantee>'))))).toBe('MalformedACLError');
  });

  test('PublicAccessBlockConfiguration: absent elements are false; non-booleans are MalformedXML', async () => {
    expect(
      await parsePublicAccessBlockConfiguration(
        Buffer.from('<PublicAccessBlockConfiguration><BlockPublicAcls>TRUE</BlockPublicAcls></PublicAccessBlockConfiguration>'),
      ),
    ).toEqual({
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    expect(
      await rejectedCode(
        parsePublicAccessBlockConfiguration(
          Buffer.from('<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>'),
        ),
      ),
    ).toBe('MalformedXML');
  });

  test('OwnershipControls: exactly one known rule', async () => {
    expect(await parseOwnershipControls(Buffer.from(renderOwnershipControls('BucketOwnerEnforced')))).toBe('BucketOwnerEnforced');
    expect(
      await rejectedCode(parseOwnershipControls(Buffer.from('<OwnershipControls><Rule><ObjectOwnership>Mine</ObjectOwnership></Rule></OwnershipControls>'))),
    ).toBe('MalformedXML');
    expect(await rejectedCode(parseOwnershipControls(Buffer.from('<OwnershipControls></OwnershipControls>')))).toBe('MalformedXML');
  });

  test('x-amz-grant-* header grammar', () => {
    expect(parseGrantHeader('x-amz-grant-read', `id="a b", emailAddress="x@y.z",uri="${ALL_USERS_URI}"`)).toEqual([
      { type: 'CanonicalUser', id: 'a b' },
      { type: 'AmazonCustomerByEmail', email: 'x@y.z' },
      { type: 'Group', uri: ALL_USERS_URI },
    ]);
    expect(() => parseGrantHeader('x-amz-grant-read', 'user="a"')).toThrow();
    expect(() => parseGrantHeader('x-amz-grant-read', 'id="a" junk')).toThrow();
    expect(() => parseGrantHeader('x-amz-grant-read', '')).toThrow();
  });
});
