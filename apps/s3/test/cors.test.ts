/**
 * CORS: Put/Get/DeleteBucketCors (codec golden + validation), preflight OPTIONS answered from the
 * rules without credentials, CORS headers on actual responses (errors included).
 */
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { CorsRule } from '@cairn/engine';
import { parseCorsConfiguration, renderCorsConfiguration } from '../src/xml/corsConfiguration';
import { findCorsRule, wildcardMatch } from '../src/http/cors';
import { rawRequest, parseS3Error } from './helpers/rawRequest';
import { startTestServer, type TestServer } from './helpers/server';
import { golden } from './helpers/golden';

const RULES: CorsRule[] = [
  {
    id: 'uploads',
    allowedOrigins: ['https://*.example.com'],
    allowedMethods: ['PUT', 'POST'],
    allowedHeaders: ['content-type', 'x-amz-*'],
    exposeHeaders: ['ETag', 'x-amz-request-id'],
    maxAgeSeconds: 600,
  },
  { allowedOrigins: ['*'], allowedMethods: ['GET', 'HEAD'], allowedHeaders: [], exposeHeaders: [] },
];

const md5 = (s: string) => createHash('md5').update(s).digest('base64');

describe('CORSConfiguration codec', () => {
  it('renders the golden document and parses it back', async () => {
    const xml = renderCorsConfiguration(RULES);
    golden('CORSConfiguration.xml', xml);
    expect(await parseCorsConfiguration(Buffer.from(xml))).toEqual(RULES);
  });

  it('validates as S3 does', async () => {
    const doc = (rule: string) => Buffer.from(`<CORSConfiguration><CORSRule>${rule}</CORSRule></CORSConfiguration>`);
    await expect(parseCorsConfiguration(doc('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>'))).rejects.toMatchObject({
      code: 'InvalidRequest',
      message: 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH',
    });
    await expect(parseCorsConfiguration(doc('<AllowedOrigin>http://*.*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'))).rejects.toMatchObject({
      code: 'InvalidRequest',
      message: 'AllowedOrigin "http://*.*.com" can not have more than one wildcard.',
    });
    await expect(parseCorsConfiguration(doc('<AllowedMethod>GET</AllowedMethod>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(parseCorsConfiguration(doc('<AllowedOrigin>*</AllowedOrigin>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(parseCorsConfiguration(Buffer.from('<CORSConfiguration/>'))).rejects.toMatchObject({ code: 'MalformedXML' });
    const many = '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>';
    expect(await parseCorsConfiguration(Buffer.from(`<CORSConfiguration>${many.repeat(100)}</CORSConfiguration>`))).toHaveLength(100);
    await expect(parseCorsConfiguration(Buffer.from(`<CORSConfiguration>${many.repeat(101)}</CORSConfiguration>`))).rejects.toMatchObject({
      code: 'MalformedXML',
    });
  });

  it('matches origins, methods and headers with one wildcard', () => {
    expect(wildcardMatch('https://*.example.com', 'https://app.example.com')).toBe(true);
    expect(wildcardMatch('https://*.example.com', 'https://example.com')).toBe(false);
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('x-amz-*', 'X-Amz-Date', true)).toBe(true);
    expect(findCorsRule(RULES, 'https://a.example.com', 'PUT', ['content-type', 'x-amz-date'])).toBe(RULES[0]);
    expect(findCorsRule(RULES, 'https://a.example.com', 'PUT', ['authorization'])).toBeUndefined();
    expect(findCorsRule(RULES, 'http://other.test', 'GET')).toBe(RULES[1]);
    expect(findCorsRule(RULES, 'http://other.test', 'DELETE')).toBeUndefined();
  });
});

describe('CORS on the server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    const s3 = t.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'cors-bucket' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'no-cors-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cors-bucket', Key: 'obj', Body: 'hello' }));
  });
  afterAll(() => t.stop());

  it('Put/Get/DeleteBucketCors with the SDK; NoSuchCORSConfiguration', async () => {
    const s3 = t.client();
    const err = (await s3.send(new GetBucketCorsCommand({ Bucket: 'cors-bucket' })).catch((e: unknown) => e)) as S3ServiceException;
    expect(err.name).toBe('NoSuchCORSConfiguration');
    expect(err.$metadata.httpStatusCode).toBe(404);
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: 'cors-bucket',
        CORSConfiguration: {
          CORSRules: RULES.map((r) => ({
            ID: r.id,
            AllowedOrigins: r.allowedOrigins,
            AllowedMethods: r.allowedMethods,
            AllowedHeaders: r.allowedHeaders.length ? r.allowedHeaders : undefined,
            ExposeHeaders: r.exposeHeaders.length ? r.exposeHeaders : undefined,
            MaxAgeSeconds: r.maxAgeSeconds,
          })),
        },
      }),
    );
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: 'cors-bucket' }));
    expect(got.CORSRules).toEqual([
      {
        ID: 'uploads',
        AllowedOrigins: ['https://*.example.com'],
        AllowedMethods: ['PUT', 'POST'],
        AllowedHeaders: ['content-type', 'x-amz-*'],
        ExposeHeaders: ['ETag', 'x-amz-request-id'],
        MaxAgeSeconds: 600,
      },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
    ]);
    await s3.send(
      new PutBucketCorsCommand({ Bucket: 'no-cors-bucket', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] } }),
    );
    await s3.send(new DeleteBucketCorsCommand({ Bucket: 'no-cors-bucket' }));
    const gone = (await s3.send(new GetBucketCorsCommand({ Bucket: 'no-cors-bucket' })).catch((e: unknown) => e)) as S3ServiceException;
    expect(gone.name).toBe('NoSuchCORSConfiguration');
  });

  it('PutBucketCors needs Content-MD5 (or a checksum) and rejects bad documents', async () => {
    const body = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
    const noMd5 = await rawRequest(t.endpoint, { method: 'PUT', path: '/no-cors-bucket', query: 'cors', body });
    expect(noMd5.status).toBe(400);
    expect(parseS3Error(noMd5.body).message).toBe('Missing required header for this request: Content-MD5');
    const bad = body.replace('GET', 'TRACE');
    const r = await rawRequest(t.endpoint, { method: 'PUT', path: '/no-cors-bucket', query: 'cors', body: bad, headers: { 'Content-MD5': md5(bad) } });
    expect(r.status).toBe(400);
    expect(parseS3Error(r.body).code).toBe('InvalidRequest');
    const anon = await rawRequest(t.endpoint, {
      method: 'PUT',
      path: '/no-cors-bucket',
      query: 'cors',
      body,
      headers: { 'Content-MD5': md5(body) },
      auth: 'none',
    });
    expect(anon.status).toBe(403);
  });

  it('answers preflights from the rules without credentials', async () => {
    const ok = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/cors-bucket/some/key',
      auth: 'none',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'Content-Type, X-Amz-Date' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(ok.headers['access-control-allow-methods']).toBe('PUT, POST');
    expect(ok.headers['access-control-allow-headers']).toBe('content-type, x-amz-date');
    expect(ok.headers['access-control-expose-headers']).toBe('ETag, x-amz-request-id');
    expect(ok.headers['access-control-max-age']).toBe('600');
    expect(ok.headers.vary).toContain('Origin');

    const star = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/cors-bucket',
      auth: 'none',
      headers: { Origin: 'http://anything.test', 'Access-Control-Request-Method': 'GET' },
    });
    expect(star.status).toBe(200);
    expect(star.headers['access-control-allow-origin']).toBe('*');
    expect(star.headers['access-control-allow-credentials']).toBeUndefined();
    expect(star.headers['access-control-max-age']).toBeUndefined();

    const denied = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/cors-bucket/k',
      auth: 'none',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(denied.status).toBe(403);
    expect(parseS3Error(denied.body)).toMatchObject({ code: 'AccessForbidden' });
    expect(parseS3Error(denied.body).message).toMatch(/^CORSResponse: This CORS request is not allowed/);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();

    const wrongMethod = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/cors-bucket/k',
      auth: 'none',
      headers: { Origin: 'http://x.test', 'Access-Control-Request-Method': 'DELETE' },
    });
    expect(wrongMethod.status).toBe(403);

    const notEnabled = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/no-cors-bucket/k',
      auth: 'none',
      headers: { Origin: 'http://x.test', 'Access-Control-Request-Method': 'GET' },
    });
    expect(notEnabled.status).toBe(403);
    expect(parseS3Error(notEnabled.body)).toMatchObject({ code: 'AccessForbidden', message: 'CORSResponse: CORS is not enabled for this bucket.' });

    const noOrigin = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/cors-bucket/k',
      auth: 'none',
      headers: { 'Access-Control-Request-Method': 'GET' },
    });
    expect(noOrigin.status).toBe(400);
    expect(parseS3Error(noOrigin.body)).toMatchObject({ code: 'BadRequest', message: 'Insufficient information. Origin request header needed.' });
    const noMethod = await rawRequest(t.endpoint, { method: 'OPTIONS', path: '/cors-bucket/k', auth: 'none', headers: { Origin: 'http://x.test' } });
    expect(noMethod.status).toBe(400);
    const noBucket = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/nonexistent-bucket/k',
      auth: 'none',
      headers: { Origin: 'http://x.test', 'Access-Control-Request-Method': 'GET' },
    });
    expect(parseS3Error(noBucket.body).code).toBe('NoSuchBucket');
  });

  it('adds CORS headers to actual responses, errors included', async () => {
    const get = await rawRequest(t.endpoint, { path: '/cors-bucket/obj', headers: { Origin: 'http://site.test' } });
    expect(get.status).toBe(200);
    expect(get.body).toBe('hello');
    expect(get.headers['access-control-allow-origin']).toBe('*');
    expect(get.headers['access-control-allow-methods']).toBe('GET, HEAD');
    const missing = await rawRequest(t.endpoint, { path: '/cors-bucket/missing', headers: { Origin: 'http://site.test' } });
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
    const anon = await rawRequest(t.endpoint, { path: '/cors-bucket/obj', auth: 'none', headers: { Origin: 'http://site.test' } });
    expect(anon.status).toBe(403);
    expect(anon.headers['access-control-allow-origin']).toBe('*');
    const put = await rawRequest(t.endpoint, { method: 'PUT', path: '/cors-bucket/new', body: 'x', headers: { Origin: 'https://up.example.com' } });
    expect(put.status).toBe(200);
    expect(put.headers['access-control-allow-origin']).toBe('https://up.example.com');
    expect(put.headers['access-control-expose-headers']).toBe('ETag, x-amz-request-id');
    // no Origin, or an origin/method no rule allows: no CORS headers
    expect((await rawRequest(t.endpoint, { path: '/cors-bucket/obj' })).headers['access-control-allow-origin']).toBeUndefined();
    expect(
      (await rawRequest(t.endpoint, { method: 'DELETE', path: '/cors-bucket/new', headers: { Origin: 'http://site.test' } })).headers[
        'access-control-allow-origin'
      ],
    ).toBeUndefined();
    expect(
      (await rawRequest(t.endpoint, { path: '/no-cors-bucket', headers: { Origin: 'http://site.test' } })).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });
});

describe('preflight of a presigned URL', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.client().send(new CreateBucketCommand({ Bucket: 'presign-cors' }));
    await t.client().send(
      new PutBucketCorsCommand({
        Bucket: 'presign-cors',
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['http://page.test'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'] }] },
      }),
    );
  });
  afterAll(() => t.stop());

  it('is answered from the rules: the signature in its query is not checked (it was made for PUT)', async () => {
    const r = await rawRequest(t.endpoint, {
      method: 'OPTIONS',
      path: '/presign-cors/k',
      auth: 'none',
      query:
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=CAIRNROOTTESTKEY0001%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00',
      headers: { Origin: 'http://page.test', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('http://page.test');
  });
});
