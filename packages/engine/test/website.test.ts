/**
 * Website configuration in the engine (bucket record field, validated as S3 does) and the
 * x-amz-website-redirect-location rules on writes: validated on put / multipart create / copy,
 * and never copied from a copy's source.
 */
import type { WebsiteConfiguration } from '../src';
import { body, openEngine, type TestEngine } from './helpers';

describe('website configuration', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('site', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  const refused = (config: WebsiteConfiguration) =>
    t.engine.putBucketWebsite('site', config).then(
      () => 'stored',
      (e) => [e.code, e.message],
    );

  it('stores, replaces and removes a configuration', async () => {
    expect(await t.engine.getBucketWebsite('site')).toBeUndefined();
    const config: WebsiteConfiguration = {
      indexDocument: 'index.html',
      errorDocument: '404.html',
      routingRules: [
        { condition: { keyPrefixEquals: 'docs/' }, redirect: { replaceKeyPrefixWith: 'documents/' } },
        {
          condition: { httpErrorCodeReturnedEquals: '404' },
          redirect: { hostName: 'example.com', protocol: 'https', httpRedirectCode: '302', replaceKeyWith: 'x.html' },
        },
        { condition: { httpErrorCodeReturnedEquals: '404', keyPrefixEquals: 'app/' }, serveKey: 'app/index.html' },
      ],
    };
    await t.engine.putBucketWebsite('site', config);
    expect(await t.engine.getBucketWebsite('site')).toEqual(config);
    // the returned document is a copy
    (await t.engine.getBucketWebsite('site'))!.routingRules!.pop();
    expect((await t.engine.getBucketWebsite('site'))!.routingRules).toHaveLength(3);
    await t.engine.putBucketWebsite('site', { redirectAllRequestsTo: { hostName: 'example.com' } });
    expect(await t.engine.getBucketWebsite('site')).toEqual({ redirectAllRequestsTo: { hostName: 'example.com' } });
    await t.engine.putBucketWebsite('site', undefined);
    expect(await t.engine.getBucketWebsite('site')).toBeUndefined();
    await expect(t.engine.getBucketWebsite('nope')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await expect(t.engine.putBucketWebsite('nope', { indexDocument: 'i' })).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });

  it('refuses what S3 refuses, with its codes and messages', async () => {
    expect(await refused({})).toEqual(['InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty']);
    expect(await refused({ indexDocument: '' })).toEqual(['InvalidArgument', 'The IndexDocument Suffix is not well formed']);
    expect(await refused({ indexDocument: 'a/index.html' })).toEqual(['InvalidArgument', 'The IndexDocument Suffix is not well formed']);
    expect((await refused({ indexDocument: 'i', redirectAllRequestsTo: { hostName: 'x' } }))[0]).toBe('InvalidArgument');
    expect((await refused({ redirectAllRequestsTo: { hostName: 'x', protocol: 'ftp' } }))[0]).toBe('InvalidRequest');
    const rules = (n: number) => Array.from({ length: n }, () => ({ redirect: { hostName: 'example.com' } }));
    expect(await refused({ indexDocument: 'i', routingRules: rules(50) })).toBe('stored');
    expect(await refused({ indexDocument: 'i', routingRules: rules(51) })).toEqual([
      'InvalidRequest',
      '51 routing rules provided, the number of routing rules in a website configuration is limited to 50.',
    ]);
    expect((await refused({ indexDocument: 'i', routingRules: [] }))[0]).toBe('MalformedXML');
    expect(await refused({ indexDocument: 'i', routingRules: [{ redirect: { httpRedirectCode: '300' } }] })).toEqual([
      'InvalidRequest',
      'The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.',
    ]);
    expect(await refused({ indexDocument: 'i', routingRules: [{ redirect: { httpRedirectCode: '301' } }] })).toBe('stored');
    expect(await refused({ indexDocument: 'i', routingRules: [{ redirect: { replaceKeyWith: 'a', replaceKeyPrefixWith: 'b/' } }] })).toEqual([
      'InvalidRequest',
      'You can only define ReplaceKeyPrefix or ReplaceKey but not both.',
    ]);
    expect(await refused({ indexDocument: 'i', routingRules: [{ condition: { httpErrorCodeReturnedEquals: '302' }, redirect: { hostName: 'e' } }] })).toEqual([
      'InvalidRequest',
      'The provided HTTP error code (302) is not valid. Valid codes are 4XX or 5XX.',
    ]);
    expect((await refused({ indexDocument: 'i', routingRules: [{ condition: {}, redirect: { hostName: 'e' } }] }))[0]).toBe('InvalidRequest');
    expect((await refused({ indexDocument: 'i', routingRules: [{ redirect: { hostName: '' } }] }))[0]).toBe('InvalidRequest');
    // the extension needs an error-code condition and replaces Redirect
    expect((await refused({ indexDocument: 'i', routingRules: [{ serveKey: 'index.html' }] }))[0]).toBe('InvalidArgument');
    expect((await refused({ indexDocument: 'i', routingRules: [{ condition: { httpErrorCodeReturnedEquals: '404' }, serveKey: 'i', redirect: {} }] }))[0]).toBe(
      'MalformedXML',
    );
    expect((await refused({ indexDocument: 'i', routingRules: [{ condition: { keyPrefixEquals: 'a' } }] }))[0]).toBe('MalformedXML');
    // the last valid one is what is stored
    expect((await t.engine.getBucketWebsite('site'))!.routingRules).toEqual([{ redirect: { httpRedirectCode: '301' } }]);
  });
});

describe('x-amz-website-redirect-location on writes', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  const put = (key: string, websiteRedirectLocation?: string) => t.engine.putObject('bkt', key, body('x'), { owner: 'alice', websiteRedirectLocation });
  const redirectOf = async (key: string) => (await t.engine.headObject('bkt', key)).meta.websiteRedirectLocation;

  it('accepts /… and http(s)://…, refuses anything else or over 2048 characters', async () => {
    for (const ok of ['/a.html', 'http://example.com/', 'https://example.com/x']) {
      await put('k', ok);
      expect(await redirectOf('k')).toBe(ok);
    }
    for (const bad of ['a.html', 'ftp://x', '', 'HTTP://x']) await expect(put('bad', bad)).rejects.toMatchObject({ code: 'InvalidRedirectLocation' });
    await expect(put('long', '/' + 'a'.repeat(2048))).rejects.toMatchObject({ code: 'InvalidRedirectLocation' });
    await expect(t.engine.createMultipartUpload('bkt', 'm', { owner: 'alice', websiteRedirectLocation: 'x' })).rejects.toMatchObject({
      code: 'InvalidRedirectLocation',
    });
    await expect(t.engine.copyObject('bkt', 'k', 'bkt', 'c', { owner: 'alice', websiteRedirectLocation: 'x' })).rejects.toMatchObject({
      code: 'InvalidRedirectLocation',
    });
  });

  it('is never copied from the source; a copy sets its own, also onto itself', async () => {
    await put('src', '/elsewhere');
    await t.engine.copyObject('bkt', 'src', 'bkt', 'plain', { owner: 'alice' });
    expect(await redirectOf('plain')).toBeUndefined();
    await t.engine.copyObject('bkt', 'src', 'bkt', 'set', { owner: 'alice', websiteRedirectLocation: '/new' });
    expect(await redirectOf('set')).toBe('/new');
    // copy in place changing only the redirect is a change
    await t.engine.copyObject('bkt', 'set', 'bkt', 'set', { owner: 'alice', websiteRedirectLocation: '/newer' });
    expect(await redirectOf('set')).toBe('/newer');
    await expect(t.engine.copyObject('bkt', 'set', 'bkt', 'set', { owner: 'alice' })).rejects.toMatchObject({ code: 'InvalidRequest' });
  });
});
