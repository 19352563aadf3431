/** Buckets: list with usage, create (versioning / Object Lock), delete with confirmation. */
import { useEffect, useState } from 'preact/hooks';
import { api, formatBytes, s3, s3Path, s3Xml, xall, xtext } from '../api';
import type { Session } from '../main';
import { ErrorBox, fmtDate, Notice } from './common';

interface Row {
  name: string;
  created?: string;
  objects?: number;
  bytes?: number;
  owner?: string;
}

export const VERSIONING_XML = (status: string) =>
  `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></VersioningConfiguration>`;

export function BucketsPage({ session }: { session: Session }) {
  const [rows, setRows] = useState<Row[]>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [confirm, setConfirm] = useState<string>();

  const load = async () => {
    try {
      const doc = await s3Xml('GET', s3Path());
      const usage = await api<{ buckets: { name: string; owner: string; objects: number; logicalBytes: number }[] }>('GET', '/console/api/bucket-usage');
      const byName = new Map(usage.buckets.map((b) => [b.name, b]));
      // Root also sees buckets of other users (from the counters), as the admin API does.
      const names = new Set<string>();
      const list: Row[] = xall(doc, 'Bucket').map((b) => {
        const name = xtext(b, 'Name')!;
        names.add(name);
        const u = byName.get(name);
        return { name, created: xtext(b, 'CreationDate'), objects: u?.objects, bytes: u?.logicalBytes, owner: u?.owner };
      });
      for (const u of usage.buckets) if (!names.has(u.name)) list.push({ name: u.name, objects: u.objects, bytes: u.logicalBytes, owner: u.owner });
      list.sort((a, b) => (a.name < b.name ? -1 : 1));
      setRows(list);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const name = String(f.get('name')).trim();
    setError(undefined);
    setNotice(undefined);
    try {
      await s3('PUT', s3Path(name), undefined, undefined, f.get('objectLock') ? { 'x-amz-bucket-object-lock-enabled': 'true' } : {});
      if (f.get('versioning') && !f.get('objectLock'))
        await s3('PUT', s3Path(name), { versioning: '' }, VERSIONING_XML('Enabled'), { 'content-type': 'application/xml' });
      form.reset();
      setNotice(`Bucket ${name} created.`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (name: string) => {
    setConfirm(undefined);
    setError(undefined);
    try {
      await s3('DELETE', s3Path(name));
      setNotice(`Bucket ${name} deleted.`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>Buckets</h1>
      <section class="card" aria-labelledby="create-bucket">
        <h2 id="create-bucket">Create a bucket</h2>
        <form class="inline" onSubmit={create}>
          <label>
            Name
            <input type="text" name="name" required pattern="[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]" title="3–63 lower-case letters, digits, dots and hyphens" />
          </label>
          <label class="check">
            <input type="checkbox" name="versioning" /> Versioning
          </label>
          <label class="check">
            <input type="checkbox" name="objectLock" /> Object Lock (turns versioning on for good)
          </label>
          <button class="primary" type="submit">
            Create bucket
          </button>
        </form>
      </section>
      <ErrorBox error={error} />
      <Notice text={notice} />
      {confirm && (
        <div class="card" role="alertdialog" aria-labelledby="confirm-title">
          <p id="confirm-title">
            Delete bucket <b>{confirm}</b>? It must be empty. This cannot be undone.
          </p>
          <div class="actions">
            <button class="danger" type="button" onClick={() => remove(confirm)} autofocus>
              Delete {confirm}
            </button>
            <button type="button" onClick={() => setConfirm(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {rows && (
        <div class="table-wrap">
          <table aria-label="Buckets">
            <thead>
              <tr>
                <th>Name</th>
                {session.root && <th class="hide-narrow">Owner</th>}
                <th class="num">Objects</th>
                <th class="num">Size</th>
                <th class="hide-narrow">Created</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={6} class="muted">
                    No buckets yet.
                  </td>
                </tr>
              )}
              {rows.map((r) => (
                <tr>
                  <td>
                    <a href={`#/b/${encodeURIComponent(r.name)}`}>{r.name}</a>
                  </td>
                  {session.root && <td class="hide-narrow">{r.owner}</td>}
                  <td class="num">{r.objects ?? ''}</td>
                  <td class="num">{r.bytes !== undefined ? formatBytes(r.bytes) : ''}</td>
                  <td class="hide-narrow">{fmtDate(r.created)}</td>
                  <td class="actions">
                    <a href={`#/b/${encodeURIComponent(r.name)}/settings`}>Settings</a>
                    <button type="button" class="danger" onClick={() => setConfirm(r.name)} aria-label={`Delete bucket ${r.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
