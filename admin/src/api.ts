// The API client: bearer tokens, silent refresh (one at a time: the refresh token rotates,
// and reusing a rotated one revokes the whole session), problem+json errors.

export interface User {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string;
  is_staff: boolean;
  date_joined: string;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** A payment row as /api/admin/payments/ lists it. */
export interface AdminPayment {
  id: number;
  order_id: number;
  order_number: string;
  razorpay_order_id: string | null;
  razorpay_payment_id: string | null;
  amount: string;
  currency: string;
  status: string;
  provider: 'razorpay' | 'manual';
  /** A capture for an order another payment had already paid: refunded in full automatically. */
  second_capture: boolean;
  method: string | null;
  reference: string | null;
  recorded_by_id: number | null;
  refunded_amount: string;
  razorpay_refund_id: string | null;
  /** The current refund's state; `failed` waits for staff to retry it. */
  refund_status: 'pending' | 'processed' | 'failed' | null;
  refund_error: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** Where a payment came from, as staff read it: "Razorpay", "Razorpay · second capture", "Manual · cash". */
export function paymentSource(p: Pick<AdminPayment, 'provider' | 'second_capture' | 'method'>): string {
  if (p.provider === 'manual') return `Manual · ${(p.method ?? 'other').replace('_', ' ')}`;
  return p.second_capture ? 'Razorpay · second capture' : 'Razorpay';
}

export function paymentAmount(p: Pick<AdminPayment, 'amount' | 'currency'>): string {
  return p.currency === 'INR' ? money(p.amount) : `${p.amount} ${p.currency}`;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`);
  }
  get status() {
    return this.problem.status;
  }
  fieldErrors(): Record<string, string[]> {
    return this.problem.errors ?? {};
  }
}

const STORE = 'shop-admin-session';

interface Session {
  access: string;
  refresh: string;
  user: User;
}

let session: Session | null = load();
const listeners = new Set<() => void>();

function load(): Session | null {
  try {
    const raw = localStorage.getItem(STORE);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function save(next: Session | null) {
  session = next;
  if (next) localStorage.setItem(STORE, JSON.stringify(next));
  else localStorage.removeItem(STORE);
  for (const listener of listeners) listener();
}

export function currentUser(): User | null {
  return session?.user ?? null;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: Partial<Problem> = {};
  try {
    body = (await res.json()) as Partial<Problem>;
  } catch {
    /* not JSON */
  }
  return new ApiError({ ...body, status: res.status, detail: body.detail ?? (res.statusText || `HTTP ${res.status}`) });
}

let refreshing: Promise<boolean> | null = null;

/** Swaps the refresh token for a new pair; false (and signed out) when the session is over. */
function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = session;
    if (!current) return false;
    try {
      const res = await fetch('/api/auth/token/refresh/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh: current.refresh }),
      });
      if (!res.ok) {
        if (res.status === 401 || res.status === 403) save(null);
        return false;
      }
      const tokens = (await res.json()) as { access: string; refresh: string };
      save({ ...current, ...tokens });
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send(path: string, options: RequestOptions, accept = 'application/json'): Promise<Response> {
  const attempt = () =>
    fetch(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers: {
        accept,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(session ? { authorization: `Bearer ${session.access}` } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
  let res = await attempt();
  // An expired access token: refresh once, silently, and try again.
  if (res.status === 401 && session && (await refreshTokens())) res = await attempt();
  if (res.status === 401 && session) save(null);
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(path, options);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Fetches a file with the session's token and hands it to the browser as a download. */
export async function download(path: string, query: RequestOptions['query'], fallbackName: string) {
  const res = await send(path, { query }, 'text/csv');
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class NotStaffError extends Error {}

export async function signIn(username: string, password: string): Promise<User> {
  const res = await fetch('/api/auth/login/', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw await problemOf(res);
  const body = (await res.json()) as { access: string; refresh: string; user: User };
  if (!body.user.is_staff) {
    // Not for this app: end the session the login just opened.
    await fetch('/api/auth/logout/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${body.access}` },
      body: JSON.stringify({ refresh: body.refresh }),
    }).catch(() => undefined);
    throw new NotStaffError(
      `${body.user.username} is a customer account. Only staff can use the admin dashboard; ask an administrator to grant you staff access.`,
    );
  }
  save(body);
  return body.user;
}

export async function signOut() {
  const current = session;
  if (current) {
    try {
      await api('/api/auth/logout/', { method: 'POST', body: { refresh: current.refresh } });
    } catch {
      /* the session may be over already */
    }
  }
  save(null);
}

/** Re-reads the profile: is the stored session still alive, and still staff? */
export async function checkSession(): Promise<void> {
  if (!session) return;
  try {
    const user = await api<User>('/api/auth/profile/');
    if (!user.is_staff) {
      await signOut();
      return;
    }
    if (session) save({ ...session, user });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) save(null);
  }
}

export function money(value: string | number): string {
  const n = typeof value === 'number' ? value : Number(value);
  return `₹${n.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
