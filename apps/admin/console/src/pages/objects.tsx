/**
 * A bucket's objects: prefix navigation, upload with a progress bar (multipart above 8 MiB),
 * download, delete, versions with "restore this version", and share links (presigned URLs).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, encodeKey, formatBytes, s3, s3Path, s3Xml, uploadFile, xall, xtext } from '../api';
import { ErrorBox, fmtDate, Notice } from './common';

interface Obj {
  key: string;
  size: number;
  modified?: string;
}
interface Version {
  key: string;
  versionId: string;
  latest: boolean;
  deleteMarker: boolean;
  size?: number;
  modified?: string;
}

const prefixHref = (bucket: string, prefix: string) => `#/b/${encodeURIComponent(bucket)}${prefix ? `?prefix=${encodeURIComponent(prefix)}` : ''}`;

export function ObjectsPage({ bucket, prefix }: { bucket: string; prefix: string }) {
  const [objects, setObjects] = useState<Obj[]>();
  const [prefixes, setPrefixes] = useState<string[]>([]);
  const [versions, setVersions] = useState<Version[]>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [progress, setProgress] = useState<{ name: string; sent: number; total: number }>();
  const [share, setShare] = useState<{ key: string; url?: string; expires: string }>();

  const load = async () => {
    setError(undefined);
    try {
      const doc = await s3Xml('GET', s3Path(bucket), { 'list-type': '2', prefix: prefix || undefined, delimiter: '/' });
      setObjects(xall(doc, 'Contents').map((c) => ({ key: xtext(c, 'Key')!, size: Number(xtext(c, 'Size')), modified: xtext(c, 'LastModified') })));
      setPrefixes(xall(doc, 'CommonPrefixes').map((p) => xtext(p, 'Prefix')!));
      if (versions) await loadVersions();
    } catch (e) {
      setError(e);
    }
  };
  const loadVersions = async () => {
    const doc = await s3Xml('GET', s3Path(bucket), { versions: '', prefix: prefix || undefined });
    const out: Version[] = [];
    for (const el of Array.from(doc.documentElement.children)) {
      if (el.localName !== 'Version' && el.localName !== 'DeleteMarker') continue;
      out.push({
        key: xtext(el, 'Key')!,
        versionId: xtext(el, 'VersionId')!,
        latest: xtext(el, 'IsLatest') === 'true',
        deleteMarker: el.localName === 'DeleteMarker',
        size: el.localName === 'Version' ? Number(xtext(el, 'Size')) : undefined,
        modified: xtext(el, 'LastModified'),
      });
    }
    setVersions(out);
  };
  useEffect(() => {
    setVersions(undefined);
    setShare(undefined);
    void load();
  }, [bucket, prefix]);

  const act = async (what: () => Promise<unknown>, done?: string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await what();
      if (done) setNotice(done);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  const upload = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const files = Array.from((form.elements.namedItem('file') as HTMLInputElement).files ?? []);
    if (!files.length) return;
    await act(
      async () => {
        for (const f of files) {
          setProgress({ name: f.name, sent: 0, total: f.size });
          await uploadFile(bucket, prefix + f.name, f, (sent, total) => setProgress({ name: f.name, sent, total }));
        }
        form.reset();
      },
      `Uploaded ${files.map((f) => f.name).join(', ')}.`,
    );
  };

  const download = async (key: string, versionId?: string) => {
    try {
      const { url } = await api<{ url: string }>('POST', '/console/api/presign', { bucket, key, versionId, download: true, expiresSeconds: 300 });
      location.assign(url);
    } catch (e) {
      setError(e);
    }
  };
  const makeShare = async (e: Event) => {
    e.preventDefault();
    if (!share) return;
    try {
      const { url } = await api<{ url: string }>('POST', '/console/api/presign', { bucket, key: share.key, expiresSeconds: Number(share.expires) });
      setShare({ ...share, url });
    } catch (err) {
      setError(err);
    }
  };
  const restore = (v: Version) =>
    act(
      () =>
        s3('PUT', s3Path(bucket, v.key), undefined, undefined, {
          'x-amz-copy-source': `/${encodeURIComponent(bucket)}/${encodeKey(v.key)}?versionId=${encodeURIComponent(v.versionId)}`,
        }),
      `Restored ${v.key} from version ${v.versionId}.`,
    );

  const crumbs = prefix.split('/').filter(Boolean);
  return (
    <>
      <h1>
        Bucket {bucket} <a href={`#/b/${encodeURIComponent(bucket)}/settings`}>Settings</a>
      </h1>
      <nav class="crumbs" aria-label="Prefix">
        <a href={prefixHref(bucket, '')}>{bucket}</a>
        {crumbs.map((c, i) => (
          <>
            <span aria-hidden="true">/</span>
            <a href={prefixHref(bucket, crumbs.slice(0, i + 1).join('/') + '/')}>{c}</a>
          </>
        ))}
      </nav>
      <section class="card" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload to {prefix || '/'}</h2>
        <form class="inline" onSubmit={upload}>
          <label>
            Files
            <input type="file" name="file" multiple required />
          </label>
          <button class="primary" type="submit" disabled={!!progress && progress.sent < progress.total}>
            Upload
          </button>
        </form>
        {progress && (
          <div aria-live="polite">
            <label>
              {progress.name}: {formatBytes(progress.sent)} of {formatBytes(progress.total)}
              <progress id="upload-progress" max={progress.total || 1} value={progress.sent} aria-label={`Upload of ${progress.name}`} />
            </label>
          </div>
        )}
      </section>
      <ErrorBox error={error} />
      <Notice text={notice} />
      {share && (
        <section class="card share" aria-labelledby="share-title">
          <h2 id="share-title">Share {share.key}</h2>
          <form class="inline" onSubmit={makeShare}>
            <label>
              Link valid for
              <select value={share.expires} onChange={(e) => setShare({ ...share, url: undefined, expires: (e.target as HTMLSelectElement).value })}>
                <option value="3600">1 hour</option>
                <option value="86400">1 day</option>
                <option value="604800">7 days</option>
              </select>
            </label>
            <button class="primary" type="submit">
              Create link
            </button>
            <button type="button" onClick={() => setShare(undefined)}>
              Close
            </button>
          </form>
          {share.url && (
            <label>
              Presigned URL (anyone with it can download until it expires)
              <input id="share-url" type="text" readOnly value={share.url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
            </label>
          )}
        </section>
      )}
      <div class="row">
        <button type="button" onClick={() => (versions ? setVersions(undefined) : act(loadVersions))} aria-pressed={!!versions}>
          {versions ? 'Hide versions' : 'Show versions'}
        </button>
        <button type="button" onClick={() => act(async () => undefined)}>
          Refresh
        </button>
      </div>
      {objects && (
        <div class="table-wrap">
          <table aria-label="Objects">
            <thead>
              <tr>
                <th>Name</th>
                <th class="num">Size</th>
                <th class="hide-narrow">Last modified</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {prefixes.map((p) => (
                <tr>
                  <td colSpan={4}>
                    <a href={prefixHref(bucket, p)}>{p.slice(prefix.length)}</a>
                  </td>
                </tr>
              ))}
              {objects.map((o) => (
                <tr>
                  <td>{o.key.slice(prefix.length)}</td>
                  <td class="num">{formatBytes(o.size)}</td>
                  <td class="hide-narrow">{fmtDate(o.modified)}</td>
                  <td class="actions">
                    <button type="button" onClick={() => download(o.key)} aria-label={`Download ${o.key}`}>
                      Download
                    </button>
                    <button type="button" onClick={() => setShare({ key: o.key, expires: '3600' })} aria-label={`Share ${o.key}`}>
                      Share
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => confirm(`Delete ${o.key}?`) && act(() => s3('DELETE', s3Path(bucket, o.key)), `Deleted ${o.key}.`)}
                      aria-label={`Delete ${o.key}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {objects.length === 0 && prefixes.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    Nothing here yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {versions && (
        <>
          <h2>Versions</h2>
          <div class="table-wrap">
            <table aria-label="Versions">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Version</th>
                  <th class="num">Size</th>
                  <th class="hide-narrow">Modified</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr>
                    <td>{v.key}</td>
                    <td>
                      <code>{v.versionId}</code>
                      {v.latest ? ' (latest)' : ''}
                      {v.deleteMarker ? ' delete marker' : ''}
                    </td>
                    <td class="num">{v.size !== undefined ? formatBytes(v.size) : ''}</td>
                    <td class="hide-narrow">{fmtDate(v.modified)}</td>
                    <td class="actions">
                      {!v.deleteMarker && (
                        <button type="button" onClick={() => download(v.key, v.versionId)} aria-label={`Download version ${v.versionId} of ${v.key}`}>
                          Download
                        </button>
                      )}
                      {!v.deleteMarker && !v.latest && (
                        <button type="button" onClick={() => restore(v)} aria-label={`Restore version ${v.versionId} of ${v.key}`}>
                          Restore this version
                        </button>
                      )}
                      <button
                        type="button"
                        class="danger"
                        onClick={() =>
                          confirm(`Delete version ${v.versionId} of ${v.key} for good?`) &&
                          act(() => s3('DELETE', s3Path(bucket, v.key), { versionId: v.versionId }), `Deleted version ${v.versionId}.`)
                        }
                        aria-label={`Delete version ${v.versionId} of ${v.key}`}
                      >
                        Delete version
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
