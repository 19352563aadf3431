/** Users and keys (root only, via the admin API): create, suspend / reactivate, delete; keys: add, rotate, delete. A new secret is shown once. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtDate, Notice } from './common';

interface User {
  id: string;
  displayName: string;
  email?: string;
  createdAt: string;
  suspended: boolean;
}
interface Key {
  accessKeyId: string;
  createdAt: string;
}
interface NewKey {
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function UsersPage() {
  const [users, setUsers] = useState<User[]>();
  const [keys, setKeys] = useState<Record<string, Key[]>>({});
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [secret, setSecret] = useState<NewKey>();

  const load = async () => {
    const { users } = await api<{ users: User[] }>('GET', '/admin/users');
    setUsers(users);
    const all: Record<string, Key[]> = {};
    for (const u of users) all[u.id] = (await api<{ accessKeys: Key[] }>('GET', `/admin/users/${encodeURIComponent(u.id)}/keys`)).accessKeys;
    setKeys(all);
  };
  useEffect(() => {
    load().catch(setError);
  }, []);
  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await what();
      setNotice(done);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const showKey = (userId: string, k: { accessKeyId: string; secretAccessKey: string }) =>
    setSecret({ userId, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });

  const create = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const id = String(f.get('id')).trim();
    return act(async () => {
      const r = await api<{ accessKey: { accessKeyId: string; secretAccessKey: string } }>('POST', '/admin/users', {
        id,
        displayName: String(f.get('displayName') || id),
        email: String(f.get('email') || '') || undefined,
      });
      showKey(id, r.accessKey);
      form.reset();
    }, `User ${id} created.`);
  };
  const u = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

  return (
    <>
      <h1>Users & keys</h1>
      <section class="card" aria-labelledby="create-user">
        <h2 id="create-user">Create a user</h2>
        <form class="inline" onSubmit={create}>
          <label>
            User ID
            <input type="text" name="id" required />
          </label>
          <label>
            Display name
            <input type="text" name="displayName" />
          </label>
          <label>
            Email
            <input type="text" name="email" inputMode="email" />
          </label>
          <button class="primary" type="submit">
            Create user
          </button>
        </form>
      </section>
      <ErrorBox error={error} />
      <Notice text={notice} />
      {secret && (
        <section class="card" aria-labelledby="secret-title" role="region">
          <h2 id="secret-title">New key for {secret.userId} — shown only now</h2>
          <p class="secret">
            Access key ID: <span id="new-access-key">{secret.accessKeyId}</span>
            <br />
            Secret access key: <span id="new-secret-key">{secret.secretAccessKey}</span>
          </p>
          <button type="button" onClick={() => setSecret(undefined)}>
            I have stored it
          </button>
        </section>
      )}
      {users && (
        <div class="table-wrap">
          <table aria-label="Users">
            <thead>
              <tr>
                <th>User</th>
                <th class="hide-narrow">Created</th>
                <th>Status</th>
                <th>Access keys</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr>
                  <td>
                    <b>{user.id}</b>
                    <br />
                    <span class="muted">
                      {user.displayName}
                      {user.email ? ` · ${user.email}` : ''}
                    </span>
                  </td>
                  <td class="hide-narrow">{fmtDate(user.createdAt)}</td>
                  <td>{user.suspended ? 'suspended' : 'active'}</td>
                  <td>
                    {(keys[user.id] ?? []).map((k) => (
                      <div class="actions">
                        <code>{k.accessKeyId}</code>
                        {user.id !== 'root' && (
                          <>
                            <button
                              type="button"
                              onClick={() =>
                                act(
                                  async () =>
                                    showKey(
                                      user.id,
                                      (await api<{ accessKey: NewKey }>('POST', `${u(user.id)}/keys/${encodeURIComponent(k.accessKeyId)}/rotate`)).accessKey,
                                    ),
                                  `Key of ${user.id} rotated.`,
                                )
                              }
                              aria-label={`Rotate key ${k.accessKeyId}`}
                            >
                              Rotate
                            </button>
                            <button
                              type="button"
                              class="danger"
                              onClick={() =>
                                confirm(`Delete key ${k.accessKeyId}?`) &&
                                act(() => api('DELETE', `${u(user.id)}/keys/${encodeURIComponent(k.accessKeyId)}`), `Key ${k.accessKeyId} deleted.`)
                              }
                              aria-label={`Delete key ${k.accessKeyId}`}
                            >
                              Delete
                            </button>
                          </>
                        )}
                      </div>
                    ))}
                  </td>
                  <td class="actions">
                    {user.id !== 'root' && (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            act(
                              async () => showKey(user.id, (await api<{ accessKey: NewKey }>('POST', `${u(user.id)}/keys`, {})).accessKey),
                              `Key added to ${user.id}.`,
                            )
                          }
                        >
                          Add key
                        </button>
                        {user.suspended ? (
                          <button type="button" onClick={() => act(() => api('POST', `${u(user.id)}/reactivate`), `${user.id} reactivated.`)}>
                            Reactivate
                          </button>
                        ) : (
                          <button
                            type="button"
                            onClick={() => act(() => api('POST', `${u(user.id)}/suspend`), `${user.id} suspended.`)}
                            aria-label={`Suspend ${user.id}`}
                          >
                            Suspend
                          </button>
                        )}
                        <button
                          type="button"
                          class="danger"
                          onClick={() => confirm(`Delete user ${user.id}?`) && act(() => api('DELETE', u(user.id)), `User ${user.id} deleted.`)}
                          aria-label={`Delete user ${user.id}`}
                        >
                          Delete
                        </button>
                      </>
                    )}
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
