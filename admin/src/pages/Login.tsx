import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, NotStaffError, setupStatus, signIn } from '../api';

export function Login() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [firstRun, setFirstRun] = useState(false);

  useEffect(() => {
    // No staff account yet: nobody can sign in; the server printed a setup link instead.
    let live = true;
    setupStatus()
      .then((status) => live && setFirstRun(status !== null))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
    } catch (err) {
      if (err instanceof NotStaffError) setError(err.message);
      else if (err instanceof ApiError && err.status === 401) setError('Wrong username, email or password.');
      else if (err instanceof ApiError && err.status === 429) setError(`Too many attempts. ${err.message}`);
      else setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Shop admin</h1>
        <p className="muted">Sign in with a staff account.</p>
        {firstRun ? (
          <div className="setup-note" role="note">
            This shop has no staff account yet. Open the setup link the server printed when it started{' '}
            (<code>/admin/setup?token=…</code>) to create the first admin.
          </div>
        ) : null}
        {error ? (
          <div className="form-error" role="alert">
            {error}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="login-username">Username or email</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
