/**
 * The Cairn web console: Preact components, hash routing (#/buckets, #/b/<bucket>, ...), a
 * session cookie set by the sign-in form. Pages: buckets, a bucket's objects, bucket settings,
 * users and keys, usage, workers.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { BucketsPage } from './pages/buckets';
import { ObjectsPage } from './pages/objects';
import { SettingsPage } from './pages/settings';
import { UsersPage } from './pages/users';
import { UsagePage, WorkersPage } from './pages/usage';
import { ErrorBox } from './pages/common';

export interface Session {
  userId: string;
  accessKeyId: string;
  root: boolean;
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/buckets');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/buckets');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api<Session>('POST', '/console/api/session', { accessKeyId: f.get('accessKeyId'), secretAccessKey: f.get('secretAccessKey') }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <div class="card">
        <h1>Sign in to Cairn</h1>
        <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
          <label>
            Access key ID
            <input type="text" name="accessKeyId" autocomplete="username" required autofocus />
          </label>
          <label>
            Secret access key
            <input type="password" name="secretAccessKey" autocomplete="current-password" required />
          </label>
          <ErrorBox error={error} id="signin-error" />
          <button class="primary" type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const hash = useHash();
  const route = hash.slice(1).split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  const links: [string, string][] = [
    ['#/buckets', 'Buckets'],
    ['#/usage', 'Usage'],
  ];
  if (session.root) links.push(['#/users', 'Users & keys'], ['#/workers', 'Workers']);
  const section = route[0] === 'b' ? '#/buckets' : `#/${route[0] ?? 'buckets'}`;
  let page;
  if (route[0] === 'b' && route[1] && route[2] === 'settings') page = <SettingsPage bucket={route[1]} />;
  else if (route[0] === 'b' && route[1]) page = <ObjectsPage bucket={route[1]} prefix={new URLSearchParams(hash.split('?')[1] ?? '').get('prefix') ?? ''} />;
  else if (route[0] === 'users' && session.root) page = <UsersPage />;
  else if (route[0] === 'usage') page = <UsagePage session={session} />;
  else if (route[0] === 'workers' && session.root) page = <WorkersPage />;
  else page = <BucketsPage session={session} />;
  return (
    <>
      <header class="top">
        <span class="brand">Cairn</span>
        <nav aria-label="Sections">
          {links.map(([href, label]) => (
            <a href={href} aria-current={section === href ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {session.userId}
          {session.root ? ' (root)' : ''}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>{page}</main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    api<Session>('GET', '/console/api/session').then(setSession, (e) => setSession(e instanceof ApiError && e.status === 401 ? null : null));
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const signOut = async () => {
    await api('DELETE', '/console/api/session').catch(() => undefined);
    location.hash = '#/buckets';
    setSession(null);
  };
  return <Shell session={session} onSignOut={signOut} />;
}

render(<App />, document.getElementById('app')!);
