/**
 * Put/Get/DeleteBucketWebsite through @aws-sdk/client-s3 (codec golden, S3's validation and
 * errors, owner-only unless a policy grants the s3:*BucketWebsite actions), and
 * x-amz-website-redirect-location on PUT / copy / multipart create / REST GET and HEAD.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketWebsiteCommand,
  GetBucketWebsiteCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
  type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import { parseWebsiteConfiguration, renderWebsiteConfiguration } from '../src/xml/websiteConfiguration';
import { golden, rejectedCode } from './helpers/golden';
import { parseS3Error, rawRequest } from './helpers/rawRequest';
import { startTestServer, type TestServer } from './helpers/server';

const ALICE = {
  id: 'alice',
  displayName: 'Alice',
  email: 'alice@example.com',
  accessKeyId: 'ALICEKEY000000000001',
  secretAccessKey: 'alice-secret-00000000000000000000000001',
};

/** The code (or 'ok') of an SDK call. */
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { name: string }).name;
  }
}

async function refused(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string };
    return [err.name, err.message];
  }
  throw new Error('expected a refusal');
}

describe('WebsiteConfiguration codec', () => {
  it('renders the golden document (S3 element order) and parses it back, the Cairn extension included', async () => {
    const config = {
      indexDocument: 'index.html',
      errorDocument: 'errors/404.html',
      routingRules: [
        { condition: { keyPrefixEquals: 'docs/' }, redirect: { replaceKeyPrefixWith: 'documents/' } },
        {
          condition: { httpErrorCodeReturnedEquals: '404', keyPrefixEquals: 'old/' },
          redirect: { hostName: 'example.com', protocol: 'https', httpRedirectCode: '302', replaceKeyWith: 'gone.html' },
        },
        { condition: { httpErrorCodeReturnedEquals: '404', keyPrefixEquals: 'app/' }, serveKey: 'app/index.html' },
      ],
    };
    const xml = renderWebsiteConfiguration(config);
    golden('WebsiteConfiguration.xml', xml);
    expect(await parseWebsiteConfiguration(Buffer.from(xml))).toEqual(config);
    const all = { redirectAllRequestsTo: { hostName: 'example.com', protocol: 'https' } };
    expect(await parseWebsiteConfiguration(Buffer.from(renderWebsiteConfiguration(all)))).toEqual(all);
  });

  it('reports structural problems as MalformedXML', async () => {
    const doc = (inner: string) => parseWebsiteConfiguration(Buffer.from(`<WebsiteConfiguration>${inner}</WebsiteConfiguration>`));
    expect(await rejectedCode(doc('<IndexDocument></IndexDocument>'))).toBe('MalformedXML');
    expect(await rejectedCode(doc('<IndexDocument><Suffix>a</Suffix></IndexDocument><ErrorDocument/>'))).toBe('MalformedXML');
    expect(await rejectedCode(doc('<RedirectAllRequestsTo><Protocol>http</Protocol></RedirectAllRequestsTo>'))).toBe('MalformedXML');
    expect(await rejectedCode(doc('<IndexDocument><Suffix>a</Suffix></IndexDocument><RoutingRules/>'))).toBe('MalformedXML');
    expect(
      await rejectedCode(
        doc(
          '<IndexDocument><Suffix>a</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition></RoutingRule></RoutingRules>',
        ),
      ),
    ).toBe('MalformedXML');
    expect(await rejectedCode(doc('<IndexDocument><Suffix>a</Suffix></IndexDocument><IndexDocument><Suffix>b</Suffix></IndexDocument>'))).toBe('MalformedXML');
    expect(await rejectedCode(parseWebsiteConfiguration(Buffer.from('<NotWebsite/>')))).toBe('MalformedXML');
    expect(await rejectedCode(parseWebsiteConfiguration(Buffer.from('<WebsiteConfiguration>')))).toBe('MalformedXML');
    // an empty ReplaceKeyPrefixWith and KeyPrefixEquals are values, not absences
    expect(
      await doc(
        '<IndexDocument><Suffix>a</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals></KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith/></Redirect></RoutingRule></RoutingRules>',
      ),
    ).toEqual({
      indexDocument: 'a',
      routingRules: [{ condition: { keyPrefixEquals: '' }, redirect: { replaceKeyPrefixWith: '' } }],
    });
  });
});

describe('Put/Get/DeleteBucketWebsite', () => {
  let t: TestServer;
  let s3: S3Client;
  let alice: S3Client;
  beforeAll(async () => {
    t = await startTestServer({ users: [ALICE] });
    s3 = t.client();
    alice = t.client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
    await s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  });
  afterAll(() => t.stop());

  const put = (config: WebsiteConfiguration, client = s3, Bucket = 'site') =>
    client.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: config }));

  it('stores, returns, replaces and deletes a configuration', async () => {
    expect(await code(s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' })))).toBe('NoSuchWebsiteConfiguration');
    const rules = [
      { Condition: { KeyPrefixEquals: 'docs/' }, Redirect: { ReplaceKeyPrefixWith: 'documents/' } },
      {
        Condition: { HttpErrorCodeReturnedEquals: '404' },
        Redirect: { HostName: 'example.com', Protocol: 'https' as const, HttpRedirectCode: '302', ReplaceKeyWith: 'missing.html' },
      },
    ];
    await put({ IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' }, RoutingRules: rules });
    const got = await s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' }));
    expect(got.IndexDocument).toEqual({ Suffix: 'index.html' });
    expect(got.ErrorDocument).toEqual({ Key: '404.html' });
    expect(got.RoutingRules).toEqual(rules);
    expect(got.RedirectAllRequestsTo).toBeUndefined();

    await put({ RedirectAllRequestsTo: { HostName: 'example.com' } });
    const all = await s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' }));
    expect(all.RedirectAllRequestsTo).toEqual({ HostName: 'example.com' });
    expect(all.IndexDocument).toBeUndefined();

    for (let i = 0; i < 2; i++) expect((await s3.send(new DeleteBucketWebsiteCommand({ Bucket: 'site' }))).$metadata.httpStatusCode).toBe(204);
    expect(await code(s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' })))).toBe('NoSuchWebsiteConfiguration');
    expect(await code(s3.send(new GetBucketWebsiteCommand({ Bucket: 'no-such-bucket' })))).toBe('NoSuchBucket');
    expect(await code(put({ IndexDocument: { Suffix: 'i' } }, s3, 'no-such-bucket'))).toBe('NoSuchBucket');
  });

  it('refuses what S3 refuses, with its codes and messages, and stores nothing then', async () => {
    const rule = (Redirect: object, Condition?: object) => ({ Redirect, ...(Condition ? { Condition } : {}) });
    const withRules = (RoutingRules: object[]) => put({ IndexDocument: { Suffix: 'index.html' }, RoutingRules } as WebsiteConfiguration);
    expect(await refused(put({}))).toEqual(['InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty']);
    expect(await refused(put({ IndexDocument: { Suffix: 'a/index.html' } }))).toEqual(['InvalidArgument', 'The IndexDocument Suffix is not well formed']);
    expect(await refused(put({ IndexDocument: { Suffix: '' } }))).toEqual(['InvalidArgument', 'The IndexDocument Suffix is not well formed']);
    expect(await refused(put({ IndexDocument: { Suffix: 'i' }, RedirectAllRequestsTo: { HostName: 'example.com' } }))).toEqual([
      'InvalidArgument',
      'RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.',
    ]);
    expect(await refused(withRules(Array.from({ length: 51 }, () => rule({ HostName: 'example.com' }))))).toEqual([
      'InvalidRequest',
      '51 routing rules provided, the number of routing rules in a website configuration is limited to 50.',
    ]);
    expect(await refused(withRules([rule({ HttpRedirectCode: '300' })]))).toEqual([
      'InvalidRequest',
      'The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.',
    ]);
    expect(await refused(withRules([rule({ ReplaceKeyWith: 'a', ReplaceKeyPrefixWith: 'b/' })]))).toEqual([
      'InvalidRequest',
      'You can only define ReplaceKeyPrefix or ReplaceKey but not both.',
    ]);
    expect(await refused(withRules([rule({ HostName: 'e.com' }, { HttpErrorCodeReturnedEquals: '302' })]))).toEqual([
      'InvalidRequest',
      'The provided HTTP error code (302) is not valid. Valid codes are 4XX or 5XX.',
    ]);
    expect(await refused(withRules([rule({ HostName: 'e.com' }, {})]))).toEqual([
      'InvalidRequest',
      "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.",
    ]);
    expect((await refused(withRules([rule({ Protocol: 'ftp' })])))[0]).toBe('InvalidRequest');
    expect(await code(s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' })))).toBe('NoSuchWebsiteConfiguration');
    // a raw body that is not XML at all
    const r = await rawRequest(t.endpoint, { method: 'PUT', path: '/site', query: 'website', body: 'not xml' });
    expect(r.status).toBe(400);
    expect(parseS3Error(r.body).code).toBe('MalformedXML');
  });

  it('belongs to the bucket owner; a policy can grant s3:GetBucketWebsite alone to another account', async () => {
    const site = { IndexDocument: { Suffix: 'index.html' } };
    expect(await code(put(site, alice))).toBe('AccessDenied');
    await put(site);
    expect(await code(alice.send(new GetBucketWebsiteCommand({ Bucket: 'site' })))).toBe('AccessDenied');
    expect(await code(alice.send(new DeleteBucketWebsiteCommand({ Bucket: 'site' })))).toBe('AccessDenied');
    const anonymous = await rawRequest(t.endpoint, { method: 'GET', path: '/site', query: 'website', auth: 'none' });
    expect(anonymous.status).toBe(403);
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'site',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: 'alice' }, Action: 's3:GetBucketWebsite', Resource: 'arn:aws:s3:::site' }],
        }),
      }),
    );
    expect((await alice.send(new GetBucketWebsiteCommand({ Bucket: 'site' }))).IndexDocument).toEqual({ Suffix: 'index.html' });
    expect(await code(put(site, alice))).toBe('AccessDenied');
    expect(await code(alice.send(new DeleteBucketWebsiteCommand({ Bucket: 'site' })))).toBe('AccessDenied');
  });
});

describe('x-amz-website-redirect-location', () => {
  let t: TestServer;
  let s3: S3Client;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'redir' }));
  });
  afterAll(() => t.stop());

  const redirectOf = async (Key: string) => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'redir', Key }));
    const get = await s3.send(new GetObjectCommand({ Bucket: 'redir', Key }));
    await get.Body!.transformToString();
    expect(get.WebsiteRedirectLocation).toBe(head.WebsiteRedirectLocation);
    return head.WebsiteRedirectLocation;
  };

  it('is set by PUT, returned by REST GET / HEAD, and validated', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'redir', Key: 'a', Body: 'x', WebsiteRedirectLocation: '/b.html' }));
    expect(await redirectOf('a')).toBe('/b.html');
    await s3.send(new PutObjectCommand({ Bucket: 'redir', Key: 'ext', Body: 'x', WebsiteRedirectLocation: 'https://example.com/x' }));
    expect(await redirectOf('ext')).toBe('https://example.com/x');
    expect(await refused(s3.send(new PutObjectCommand({ Bucket: 'redir', Key: 'bad', Body: 'x', WebsiteRedirectLocation: 'b.html' })))).toEqual([
      'InvalidRedirectLocation',
      "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
    ]);
    expect(await code(s3.send(new PutObjectCommand({ Bucket: 'redir', Key: 'bad', Body: 'x', WebsiteRedirectLocation: '/' + 'x'.repeat(2048) })))).toBe(
      'InvalidRedirectLocation',
    );
    expect(await code(s3.send(new HeadObjectCommand({ Bucket: 'redir', Key: 'bad' })))).toBe('NotFound');
  });

  it('is set by multipart create and lands on the completed object', async () => {
    expect(await code(s3.send(new CreateMultipartUploadCommand({ Bucket: 'redir', Key: 'mp', WebsiteRedirectLocation: 'ftp://x' })))).toBe(
      'InvalidRedirectLocation',
    );
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'redir', Key: 'mp', WebsiteRedirectLocation: '/multi.html' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'redir', Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: 'redir', Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(await redirectOf('mp')).toBe('/multi.html');
  });

  it('is not copied from the source: a copy sets its own (also in place), whatever the directive', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'redir', Key: 'src', Body: 'x', WebsiteRedirectLocation: '/from-source' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'redir', Key: 'c1', CopySource: 'redir/src' }));
    expect(await redirectOf('c1')).toBeUndefined();
    await s3.send(new CopyObjectCommand({ Bucket: 'redir', Key: 'c2', CopySource: 'redir/src', WebsiteRedirectLocation: '/given' }));
    expect(await redirectOf('c2')).toBe('/given');
    await s3.send(
      new CopyObjectCommand({ Bucket: 'redir', Key: 'c3', CopySource: 'redir/src', MetadataDirective: 'REPLACE', WebsiteRedirectLocation: '/replaced' }),
    );
    expect(await redirectOf('c3')).toBe('/replaced');
    await s3.send(new CopyObjectCommand({ Bucket: 'redir', Key: 'src', CopySource: 'redir/src', WebsiteRedirectLocation: 'http://example.com/' }));
    expect(await redirectOf('src')).toBe('http://example.com/');
    expect(await code(s3.send(new CopyObjectCommand({ Bucket: 'redir', Key: 'c4', CopySource: 'redir/src', WebsiteRedirectLocation: 'nope' })))).toBe(
      'InvalidRedirectLocation',
    );
  });
});
