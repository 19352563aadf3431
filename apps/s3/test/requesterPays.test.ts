/**
 * Requester Pays: Get/PutBucketRequestPayment, the x-amz-request-payer requirement for everyone
 * but the owner, x-amz-request-charged on responses, and the usage charged per account.
 */
import {
  CreateBucketCommand,
  GetBucketRequestPaymentCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutBucketRequestPaymentCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { parseRequestPaymentConfiguration, renderRequestPaymentConfiguration } from '../src/xml/requestPaymentConfiguration';
import { rawRequest, parseS3Error } from './helpers/rawRequest';
import { multipartBody, multipartContentType, signPostV4 } from './helpers/postForm';
import { startTestServer, type TestServer } from './helpers/server';
import { golden } from './helpers/golden';

const BOB = { id: 'bob', accessKeyId: 'BOBREQPAYKEY00000001', secretAccessKey: 'bob-requester-pays-secret-000000000000' };

describe('RequestPaymentConfiguration codec', () => {
  it('renders the golden document and parses it', async () => {
    golden('RequestPaymentConfiguration.xml', renderRequestPaymentConfiguration('Requester'));
    expect(await parseRequestPaymentConfiguration(Buffer.from(renderRequestPaymentConfiguration('BucketOwner')))).toBe('BucketOwner');
    await expect(
      parseRequestPaymentConfiguration(Buffer.from('<RequestPaymentConfiguration><Payer>Nobody</Payer></RequestPaymentConfiguration>')),
    ).rejects.toMatchObject({ code: 'MalformedXML' });
  });
});

describe('Requester Pays', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ users: [BOB] });
    const s3 = t.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'pays' }));
    await s3.send(new PutObjectCommand({ Bucket: 'pays', Key: 'data', Body: 'twelve bytes' }));
    // Everyone may read and write: only requester-pays stands in the way.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::pays', 'arn:aws:s3:::pays/*'] },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pays', Policy: JSON.stringify(policy) }));
  });
  afterAll(() => t.stop());

  it('Get/PutBucketRequestPayment', async () => {
    const s3 = t.client();
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: 'pays' }))).Payer).toBe('BucketOwner');
    // before enabling, bob reads without agreeing to pay and is not charged
    const free = await rawRequest(t.endpoint, { path: '/pays/data', accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey });
    expect(free.status).toBe(200);
    expect(free.headers['x-amz-request-charged']).toBeUndefined();
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket: 'pays', RequestPaymentConfiguration: { Payer: 'Requester' } }));
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: 'pays' }))).Payer).toBe('Requester');
    const bad = await rawRequest(t.endpoint, {
      method: 'PUT',
      path: '/pays',
      query: 'requestPayment',
      body: '<RequestPaymentConfiguration><Payer>Me</Payer></RequestPaymentConfiguration>',
    });
    expect(parseS3Error(bad.body).code).toBe('MalformedXML');
    const notOwner = await rawRequest(t.endpoint, {
      method: 'PUT',
      path: '/pays',
      query: 'requestPayment',
      body: '<RequestPaymentConfiguration><Payer>BucketOwner</Payer></RequestPaymentConfiguration>',
      accessKeyId: BOB.accessKeyId,
      secretAccessKey: BOB.secretAccessKey,
    });
    expect(notOwner.status).toBe(403);
  });

  it('non-owners must agree to pay; responses say they were charged; the owner is not', async () => {
    const bob = { accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey };
    const refused = await rawRequest(t.endpoint, { path: '/pays/data', ...bob });
    expect(refused.status).toBe(403);
    expect(parseS3Error(refused.body).code).toBe('AccessDenied');
    const refusedList = await rawRequest(t.endpoint, { path: '/pays', ...bob });
    expect(refusedList.status).toBe(403);

    const paid = await rawRequest(t.endpoint, { path: '/pays/data', headers: { 'x-amz-request-payer': 'requester' }, ...bob });
    expect(paid.status).toBe(200);
    expect(paid.body).toBe('twelve bytes');
    expect(paid.headers['x-amz-request-charged']).toBe('requester');
    const paidPut = await rawRequest(t.endpoint, {
      method: 'PUT',
      path: '/pays/from-bob',
      body: 'bob wrote',
      headers: { 'x-amz-request-payer': 'requester' },
      ...bob,
    });
    expect(paidPut.status).toBe(200);
    expect(paidPut.headers['x-amz-request-charged']).toBe('requester');

    // the SDK's RequestPayer parameter sends the header
    const sdk = t.client(bob);
    const got = await sdk.send(new GetObjectCommand({ Bucket: 'pays', Key: 'data', RequestPayer: 'requester' }));
    expect(got.RequestCharged).toBe('requester');
    expect(await got.Body!.transformToString()).toBe('twelve bytes');
    const sdkRefused = (await sdk.send(new GetObjectCommand({ Bucket: 'pays', Key: 'data' })).catch((e: unknown) => e)) as S3ServiceException;
    expect(sdkRefused.name).toBe('AccessDenied');

    // anonymous requests are refused even though the policy allows them
    const anon = await rawRequest(t.endpoint, { path: '/pays/data', auth: 'none', headers: { 'x-amz-request-payer': 'requester' } });
    expect(anon.status).toBe(403);

    const owner = await rawRequest(t.endpoint, { path: '/pays/data' });
    expect(owner.status).toBe(200);
    expect(owner.headers['x-amz-request-charged']).toBeUndefined();
  });

  it('usage accounting charges the requester on requester-pays buckets and the owner otherwise', async () => {
    const before = await t.server.engine.accountUsage();
    const bobBefore = before.find((a) => a.userId === 'bob');
    const bob = { accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey };
    const r = await rawRequest(t.endpoint, { path: '/pays/data', headers: { 'x-amz-request-payer': 'requester' }, ...bob });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 50)); // charged when the response closes
    const after = await t.server.engine.accountUsage();
    const bobAfter = after.find((a) => a.userId === 'bob')!;
    expect(bobAfter.requesterPaysRequests).toBe((bobBefore?.requesterPaysRequests ?? 0) + 1);
    expect(bobAfter.bytesOut).toBe((bobBefore?.bytesOut ?? 0) + 12);
    const root = after.find((a) => a.userId === 'root')!;
    expect(root.requests).toBeGreaterThan(0);
    expect(root.requesterPaysRequests).toBe(0);
  });

  it('POST Object: the form must carry x-amz-request-payer; the requester is charged', async () => {
    const bob = { accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey };
    const post = (fields: [string, string][]) =>
      rawRequest(t.endpoint, {
        method: 'POST',
        path: '/pays',
        auth: 'none',
        body: multipartBody(fields, { filename: 'f', content: 'posted by bob' }),
        headers: { 'Content-Type': multipartContentType() },
      });
    const without = signPostV4('pays', [['key', 'bob-post']], [['eq', '$key', 'bob-post']], bob);
    const refused = await post(without.fields);
    expect(refused.status).toBe(403);
    expect(parseS3Error(refused.body).code).toBe('AccessDenied');
    const before = (await t.server.engine.accountUsage()).find((a) => a.userId === 'bob')?.requesterPaysRequests ?? 0;
    const agreed = signPostV4(
      'pays',
      [
        ['key', 'bob-post'],
        ['x-amz-request-payer', 'requester'],
      ],
      [['eq', '$key', 'bob-post'], { 'x-amz-request-payer': 'requester' }],
      bob,
    );
    const ok = await post(agreed.fields);
    expect(ok.status).toBe(204);
    expect(ok.headers['x-amz-request-charged']).toBe('requester');
    const after = (await t.server.engine.accountUsage()).find((a) => a.userId === 'bob')!;
    expect(after.requesterPaysRequests).toBe(before + 1);
  });
});
