/** POST Object form fields for tagging (`tagging` = a <Tagging> document) and Object Lock. */
import { CreateBucketCommand, GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { rawRequest, type RawResponse } from './helpers/rawRequest';
import { multipartBody, multipartContentType, signPostV4 } from './helpers/postForm';
import { startTestServer, type TestServer } from './helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client().send(new CreateBucketCommand({ Bucket: 'forms' }));
  await t.client().send(new CreateBucketCommand({ Bucket: 'lockforms', ObjectLockEnabledForBucket: true }));
});
afterAll(() => t.stop());

const post = (bucket: string, body: Buffer): Promise<RawResponse> =>
  rawRequest(t.endpoint, { method: 'POST', path: `/${bucket}`, auth: 'none', body, headers: { 'Content-Type': multipartContentType() } });

test('the tagging field sets the object tags; a malformed one is MalformedXML; lock fields set retention', async () => {
  const tagging = '<Tagging><TagSet><Tag><Key>src</Key><Value>form</Value></Tag></TagSet></Tagging>';
  const ok = signPostV4(
    'forms',
    [
      ['key', 'tagged'],
      ['tagging', tagging],
    ],
    [
      ['eq', '$key', 'tagged'],
      ['eq', '$tagging', tagging],
    ],
  );
  expect((await post('forms', multipartBody(ok.fields, { filename: 'f', content: 'x' }))).status).toBe(204);
  expect((await t.client().send(new GetObjectTaggingCommand({ Bucket: 'forms', Key: 'tagged' }))).TagSet).toEqual([{ Key: 'src', Value: 'form' }]);

  const bad = signPostV4(
    'forms',
    [
      ['key', 'bad'],
      ['tagging', 'a=b'],
    ],
    [
      ['eq', '$key', 'bad'],
      ['eq', '$tagging', 'a=b'],
    ],
  );
  const r = await post('forms', multipartBody(bad.fields, { filename: 'f', content: 'x' }));
  expect(r.status).toBe(400);
  expect(r.body).toContain('MalformedXML');

  const until = new Date(Date.now() + 60_000).toISOString();
  const lock = signPostV4(
    'lockforms',
    [
      ['key', 'held'],
      ['x-amz-object-lock-mode', 'GOVERNANCE'],
      ['x-amz-object-lock-retain-until-date', until],
      ['x-amz-object-lock-legal-hold', 'ON'],
    ],
    [
      ['eq', '$key', 'held'],
      ['eq', '$x-amz-object-lock-mode', 'GOVERNANCE'],
      ['eq', '$x-amz-object-lock-retain-until-date', until],
      ['eq', '$x-amz-object-lock-legal-hold', 'ON'],
    ],
  );
  expect((await post('lockforms', multipartBody(lock.fields, { filename: 'f', content: 'x' }))).status).toBe(204);
  const head = await t.client().send(new HeadObjectCommand({ Bucket: 'lockforms', Key: 'held' }));
  expect(head.ObjectLockMode).toBe('GOVERNANCE');
  expect(head.ObjectLockLegalHoldStatus).toBe('ON');
});
