// Signing up and in (the guest cart is merged by the API), and the password reset: the request
// and the page its e-mail links to (SHOP_URL/reset-password?token=…).
import { type FormEvent, type InputHTMLAttributes, type ReactNode, useState } from 'react';
import type { Schemas } from '@shop/client';
import { ApiError, errorText, ok, shop, signIn, signUp } from '../api';
import { Link, navigate, useLocation } from '../router';
import { Alert, Field } from '../ui';

/** Where to go after signing in: `?next=` when it is a path of this site. */
function nextPath(search: URLSearchParams): string {
  const next = search.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/orders';
}

/** A form's state: busy, the error sentence, the fields' messages; `submit` runs `action`. */
function useForm() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const submit = (action: () => Promise<void>) => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await action();
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, errors, submit };
}

function AuthCard({
  title,
  children,
  footer,
}: {
  title: string;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <section className="auth">
      <h1>{title}</h1>
      {children}
      {footer && <div className="auth-foot">{footer}</div>}
    </section>
  );
}

export function SignIn() {
  const { search } = useLocation();
  const next = nextPath(search);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const form = useForm();
  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          <Link to="/forgot-password">Forgot your password?</Link>
          <span>
            New here? <Link to={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
          </span>
        </>
      }
    >
      {search.get('reset') === 'done' && (
        <Alert kind="ok">Your password is changed. Sign in with the new one.</Alert>
      )}
      {form.error && <Alert>{form.error}</Alert>}
      <form
        onSubmit={(e) =>
          void form.submit(async () => {
            await signIn(username.trim(), password);
            navigate(next, true);
          })(e)
        }
      >
        <Field label="Username or e-mail" errors={form.errors.username}>
          {(p) => (
            <input
              {...p}
              required
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" errors={form.errors.password}>
          {(p) => (
            <input
              {...p}
              type="password"
              required
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="wide" disabled={form.busy}>
          {form.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}

type RegisterBody = Schemas['RegisterBody'];

export function SignUp() {
  const { search } = useLocation();
  const next = nextPath(search);
  const [fields, setFields] = useState<RegisterBody>({
    first_name: '',
    last_name: '',
    username: '',
    email: '',
    password: '',
    password2: '',
  });
  const form = useForm();
  const input = (
    name: keyof RegisterBody,
    label: string,
    props: InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <Field label={label} errors={form.errors[name]}>
      {(p) => (
        <input
          {...p}
          {...props}
          value={fields[name] ?? ''}
          onChange={(e) => setFields((f) => ({ ...f, [name]: e.target.value }))}
        />
      )}
    </Field>
  );
  return (
    <AuthCard
      title="Create your account"
      footer={
        <span>
          Already have one? <Link to={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
        </span>
      }
    >
      <p className="hint">Anything in your cart comes with you.</p>
      {form.error && <Alert>{form.error}</Alert>}
      <form
        onSubmit={(e) =>
          void form.submit(async () => {
            await signUp({
              ...fields,
              username: fields.username.trim(),
              email: fields.email.trim(),
            });
            navigate(next, true);
          })(e)
        }
      >
        <div className="two">
          {input('first_name', 'First name', { required: true, autoComplete: 'given-name' })}
          {input('last_name', 'Last name', { required: true, autoComplete: 'family-name' })}
        </div>
        {input('username', 'Username', { required: true, autoComplete: 'username' })}
        {input('email', 'E-mail', { required: true, type: 'email', autoComplete: 'email' })}
        {input('password', 'Password', {
          required: true,
          type: 'password',
          autoComplete: 'new-password',
        })}
        {input('password2', 'Password again', {
          required: true,
          type: 'password',
          autoComplete: 'new-password',
        })}
        <button type="submit" className="wide" disabled={form.busy}>
          {form.busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
    </AuthCard>
  );
}

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const form = useForm();
  return (
    <AuthCard title="Reset your password" footer={<Link to="/signin">Back to sign in</Link>}>
      {sent ? (
        <Alert kind="ok">{sent}</Alert>
      ) : (
        <>
          <p className="hint">We will e-mail you a link to choose a new password.</p>
          {form.error && <Alert>{form.error}</Alert>}
          <form
            onSubmit={(e) =>
              void form.submit(async () => {
                await ok(
                  shop().POST('/api/auth/password-reset/', { body: { email: email.trim() } }),
                );
                setSent(
                  `If an account uses ${email.trim()}, a link to reset its password is on its way. It works for one hour.`,
                );
              })(e)
            }
          >
            <Field label="E-mail" errors={form.errors.email}>
              {(p) => (
                <input
                  {...p}
                  type="email"
                  required
                  autoComplete="email"
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              )}
            </Field>
            <button type="submit" className="wide" disabled={form.busy}>
              Send the link
            </button>
          </form>
        </>
      )}
    </AuthCard>
  );
}

/** The page the reset e-mail links to: `/reset-password?token=…`. */
export function ResetPassword() {
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const form = useForm();
  if (!token) return <ForgotPassword />;
  return (
    <AuthCard
      title="Choose a new password"
      footer={<Link to="/forgot-password">Ask for a new link</Link>}
    >
      {form.error && <Alert>{form.error}</Alert>}
      <form
        onSubmit={(e) => {
          setMismatch(password !== again);
          if (password !== again) {
            e.preventDefault();
            return;
          }
          void form.submit(async () => {
            await ok(
              shop().POST('/api/auth/password-reset/confirm/', {
                body: { token, new_password: password },
              }),
            );
            navigate('/signin?reset=done', true);
          })(e);
        }}
      >
        <Field
          label="New password"
          errors={form.errors.new_password}
          hint="At least 8 characters, not only digits."
        >
          {(p) => (
            <input
              {...p}
              type="password"
              required
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="New password again"
          errors={mismatch ? ['The two passwords differ.'] : undefined}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              required
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="wide" disabled={form.busy}>
          Set new password
        </button>
      </form>
    </AuthCard>
  );
}
