import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, createFirstAdmin, errorText, ok, setupStatus, shop } from '../api';
import { Field, fieldErrorsOf, Link, navigate, Spinner, useLocation, useToast } from '../ui';

/** Where the first-run page is: checking the link, its form, the catalogue choice, or why not. */
type Step = 'checking' | 'form' | 'catalog' | 'bad-link' | 'done-already' | 'unreachable';

/**
 * First run (`/admin/setup?token=…`, the link the server prints while no staff account
 * exists): creates the first admin, signs in, then offers the demo catalogue or an empty shop.
 */
export function Setup() {
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const [step, setStep] = useState<Step>('checking');

  useEffect(() => {
    let live = true;
    setupStatus(token)
      .then((status) => {
        if (!live) return;
        if (status === null) setStep('done-already');
        else setStep(status.token_valid ? 'form' : 'bad-link');
      })
      .catch(() => live && setStep('unreachable'));
    return () => {
      live = false;
    };
  }, [token]);

  return (
    <main className="login">
      <div className="card login-card setup-card">
        <h1 id="setup-title">Set up your shop</h1>
        {step === 'checking' ? <Spinner label="Checking the setup link…" /> : null}
        {step === 'form' ? <AdminForm token={token} onDone={() => setStep('catalog')} onBadLink={setStep} /> : null}
        {step === 'catalog' ? <CatalogChoice /> : null}
        {step === 'bad-link' ? (
          <div className="form-error" role="alert">
            This setup link is wrong or has expired. Restart the server: it prints a new link while no staff account
            exists.
          </div>
        ) : null}
        {step === 'done-already' ? (
          <p role="status">
            Setup is done: a staff account exists already. <Link to="/">Sign in</Link>
          </p>
        ) : null}
        {step === 'unreachable' ? (
          <div className="form-error" role="alert">
            The server could not be reached. Is it running? Reload this page to try again.
          </div>
        ) : null}
      </div>
    </main>
  );
}

function AdminForm({
  token,
  onDone,
  onBadLink,
}: {
  token: string;
  onDone: () => void;
  onBadLink: (step: Step) => void;
}) {
  const [username, setUsername] = useState('admin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await createFirstAdmin({ token, username: username.trim(), email: email.trim(), password });
      onDone();
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 410) return onBadLink('done-already');
      if (err instanceof ApiError && err.problem.code === 'setup_token_invalid') return onBadLink('bad-link');
      setErrors(fieldErrorsOf(err));
      setError(errorText(err));
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="setup-title" noValidate>
      <p className="muted">No staff account exists yet. Create the administrator account of this shop.</p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <Field label="Username" errors={errors.username}>
        {(props) => (
          <input {...props} name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        )}
      </Field>
      <Field label="Email" errors={errors.email}>
        {(props) => (
          <input {...props} name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        )}
      </Field>
      <Field label="Password" errors={errors.password} hint="At least 8 characters, not all digits, not a common password, not like the username or email.">
        {(props) => (
          <input
            {...props}
            name="password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create admin account'}
      </button>
    </form>
  );
}

function CatalogChoice() {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const loadDemo = async () => {
    setBusy(true);
    setError(null);
    try {
      const loaded = await ok(shop.POST('/api/admin/demo-catalog/'));
      toast.ok(`Demo catalogue loaded: ${loaded.categories} categories, ${loaded.products} products.`);
      navigate('/products', true);
    } catch (err) {
      setBusy(false);
      setError(errorText(err));
    }
  };

  return (
    <div role="group" aria-label="Catalogue">
      <p role="status">Your admin account is ready and you are signed in.</p>
      <p className="muted">
        Start with the demo catalogue (about 20 categories and 300 products with pictures, the same as{' '}
        <code>npm run db:seed</code>) to try the shop, or with an empty one for your own products.
      </p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="setup-actions">
        <button type="button" disabled={busy} onClick={() => void loadDemo()}>
          {busy ? 'Loading the demo catalogue…' : 'Load the demo catalogue'}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => navigate('/', true)}>
          Start empty
        </button>
      </div>
    </div>
  );
}
