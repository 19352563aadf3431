/**
 * Bucket settings through the S3 API: versioning, policy (validation errors shown in place),
 * Block Public Access, and raw XML editors for the configuration documents (CORS, tagging; add a
 * line to CONFIG_DOCUMENTS for each further sub-resource the S3 port serves).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, s3, s3Path, s3Xml, xtext } from '../api';
import { ErrorBox, Notice } from './common';
import { VERSIONING_XML } from './buckets';

/** Sub-resources edited as raw XML: query name, title, an example for an empty editor. */
export const CONFIG_DOCUMENTS: { query: string; title: string; missing: string; example: string }[] = [
  {
    query: 'cors',
    title: 'CORS',
    missing: 'NoSuchCORSConfiguration',
    example:
      '<CORSConfiguration>\n  <CORSRule>\n    <AllowedOrigin>https://example.com</AllowedOrigin>\n    <AllowedMethod>GET</AllowedMethod>\n    <AllowedHeader>*</AllowedHeader>\n    <MaxAgeSeconds>600</MaxAgeSeconds>\n  </CORSRule>\n</CORSConfiguration>',
  },
  {
    query: 'tagging',
    title: 'Bucket tags',
    missing: 'NoSuchTagSet',
    example: '<Tagging>\n  <TagSet>\n    <Tag><Key>team</Key><Value>data</Value></Tag>\n  </TagSet>\n</Tagging>',
  },
  {
    query: 'lifecycle',
    title: 'Lifecycle rules',
    missing: 'NoSuchLifecycleConfiguration',
    example:
      '<LifecycleConfiguration>\n  <Rule>\n    <ID>expire-logs</ID>\n    <Filter><Prefix>logs/</Prefix></Filter>\n    <Status>Enabled</Status>\n    <Expiration><Days>30</Days></Expiration>\n  </Rule>\n</LifecycleConfiguration>',
  },
  {
    query: 'website',
    title: 'Static website',
    missing: 'NoSuchWebsiteConfiguration',
    example:
      '<WebsiteConfiguration>\n  <IndexDocument><Suffix>index.html</Suffix></IndexDocument>\n  <ErrorDocument><Key>error.html</Key></ErrorDocument>\n</WebsiteConfiguration>',
  },
  {
    query: 'notification',
    title: 'Event notifications',
    missing: 'NoSuchNotificationConfiguration', // S3 answers an empty document instead; kept for symmetry
    example:
      '<NotificationConfiguration>\n  <TopicConfiguration>\n    <Id>new-objects</Id>\n    <Topic>arn:aws:sns:us-east-1:cairn:TARGET</Topic>\n    <Event>s3:ObjectCreated:*</Event>\n  </TopicConfiguration>\n</NotificationConfiguration>',
  },
  {
    query: 'replication',
    title: 'Replication',
    missing: 'ReplicationConfigurationNotFoundError',
    example:
      '<ReplicationConfiguration>\n  <Role>arn:aws:iam::cairn:role/replication</Role>\n  <Rule>\n    <ID>all</ID>\n    <Priority>1</Priority>\n    <Status>Enabled</Status>\n    <Filter><Prefix></Prefix></Filter>\n    <DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>\n    <Destination><Bucket>arn:aws:s3:::BUCKET</Bucket></Destination>\n  </Rule>\n</ReplicationConfiguration>',
  },
];

const PAB = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

function Section({ title, id, children }: { title: string; id: string; children: preact.ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Load → edit → save/delete of one document; errors and confirmations stay in the section. */
function useDoc(load: () => Promise<string | undefined>) {
  const [text, setText] = useState<string>();
  const [exists, setExists] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const reload = async () => {
    try {
      const t = await load();
      setExists(t !== undefined);
      setText(t ?? '');
    } catch (e) {
      setError(e);
    }
  };
  const run = async (what: () => Promise<unknown>, done: string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await what();
      setNotice(done);
      await reload();
    } catch (e) {
      setError(e);
    }
  };
  return { text, setText, exists, error, notice, reload, run };
}

const missing = (code: string) => async (p: Promise<string>) => {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.code === code) return undefined;
    throw e;
  }
};

function XmlDocument({ bucket, doc }: { bucket: string; doc: (typeof CONFIG_DOCUMENTS)[number] }) {
  const d = useDoc(() => missing(doc.missing)(s3('GET', s3Path(bucket), { [doc.query]: '' }).then((r) => r.text())));
  useEffect(() => void d.reload(), [bucket]);
  const id = `doc-${doc.query}`;
  return (
    <Section title={doc.title} id={id}>
      <label>
        {doc.title} configuration (XML)
        <textarea
          value={d.text}
          placeholder={doc.example}
          onInput={(e) => d.setText((e.target as HTMLTextAreaElement).value)}
          aria-describedby={d.error ? `${id}-error` : undefined}
        />
      </label>
      <ErrorBox error={d.error} id={`${id}-error`} />
      <Notice text={d.notice} />
      <div class="actions">
        <button
          class="primary"
          type="button"
          onClick={() => d.run(() => s3('PUT', s3Path(bucket), { [doc.query]: '' }, d.text, { 'content-type': 'application/xml' }), `${doc.title} saved.`)}
        >
          Save {doc.title}
        </button>
        {d.exists && (
          <button class="danger" type="button" onClick={() => d.run(() => s3('DELETE', s3Path(bucket), { [doc.query]: '' }), `${doc.title} removed.`)}>
            Remove
          </button>
        )}
      </div>
    </Section>
  );
}

export function SettingsPage({ bucket }: { bucket: string }) {
  const versioning = useDoc(async () => xtext(await s3Xml('GET', s3Path(bucket), { versioning: '' }), 'Status') ?? 'Unversioned');
  const policy = useDoc(() => missing('NoSuchBucketPolicy')(s3('GET', s3Path(bucket), { policy: '' }).then((r) => r.text())));
  const pab = useDoc(() =>
    missing('NoSuchPublicAccessBlockConfiguration')(
      s3Xml('GET', s3Path(bucket), { publicAccessBlock: '' }).then((doc) => JSON.stringify(Object.fromEntries(PAB.map((k) => [k, xtext(doc, k) === 'true'])))),
    ),
  );
  useEffect(() => {
    void versioning.reload();
    void policy.reload();
    void pab.reload();
  }, [bucket]);
  const pabValue: Record<string, boolean> = pab.text ? JSON.parse(pab.text) : {};

  const savePab = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const xml = `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${PAB.map((k) => `<${k}>${f.get(k) ? 'true' : 'false'}</${k}>`).join('')}</PublicAccessBlockConfiguration>`;
    return pab.run(() => s3('PUT', s3Path(bucket), { publicAccessBlock: '' }, xml, { 'content-type': 'application/xml' }), 'Block Public Access saved.');
  };

  return (
    <>
      <h1>
        Settings of {bucket} <a href={`#/b/${encodeURIComponent(bucket)}`}>Objects</a>
      </h1>
      <Section title="Versioning" id="versioning">
        <p>
          Status: <b id="versioning-status">{versioning.text}</b>
        </p>
        <ErrorBox error={versioning.error} />
        <Notice text={versioning.notice} />
        <div class="actions">
          {versioning.text !== 'Enabled' && (
            <button
              type="button"
              onClick={() =>
                versioning.run(
                  () => s3('PUT', s3Path(bucket), { versioning: '' }, VERSIONING_XML('Enabled'), { 'content-type': 'application/xml' }),
                  'Versioning enabled.',
                )
              }
            >
              Enable versioning
            </button>
          )}
          {versioning.text === 'Enabled' && (
            <button
              type="button"
              onClick={() =>
                versioning.run(
                  () => s3('PUT', s3Path(bucket), { versioning: '' }, VERSIONING_XML('Suspended'), { 'content-type': 'application/xml' }),
                  'Versioning suspended.',
                )
              }
            >
              Suspend versioning
            </button>
          )}
        </div>
      </Section>
      <Section title="Bucket policy" id="policy">
        <label>
          Policy (JSON)
          <textarea
            id="policy-text"
            value={policy.text}
            onInput={(e) => policy.setText((e.target as HTMLTextAreaElement).value)}
            aria-describedby={policy.error ? 'policy-error' : undefined}
            placeholder='{"Version": "2012-10-17", "Statement": [...]}'
          />
        </label>
        <ErrorBox error={policy.error} id="policy-error" />
        <Notice text={policy.notice} />
        <div class="actions">
          <button
            class="primary"
            type="button"
            onClick={() => policy.run(() => s3('PUT', s3Path(bucket), { policy: '' }, policy.text, { 'content-type': 'application/json' }), 'Policy saved.')}
          >
            Save policy
          </button>
          {policy.exists && (
            <button class="danger" type="button" onClick={() => policy.run(() => s3('DELETE', s3Path(bucket), { policy: '' }), 'Policy deleted.')}>
              Delete policy
            </button>
          )}
        </div>
      </Section>
      <Section title="Block Public Access" id="pab">
        <form onSubmit={savePab}>
          {PAB.map((k) => (
            <label class="check">
              <input type="checkbox" name={k} checked={!!pabValue[k]} key={`${k}-${pab.text}`} /> {k}
            </label>
          ))}
          <ErrorBox error={pab.error} />
          <Notice text={pab.notice} />
          <div class="actions">
            <button class="primary" type="submit">
              Save
            </button>
            {pab.exists && (
              <button
                class="danger"
                type="button"
                onClick={() => pab.run(() => s3('DELETE', s3Path(bucket), { publicAccessBlock: '' }), 'Block Public Access removed.')}
              >
                Remove
              </button>
            )}
          </div>
        </form>
      </Section>
      {CONFIG_DOCUMENTS.map((doc) => (
        <XmlDocument bucket={bucket} doc={doc} key={doc.query} />
      ))}
    </>
  );
}
