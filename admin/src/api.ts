// The API client: the generated, typed @shop/client, with bearer tokens, silent refresh (one
// at a time: the refresh token rotates, and reusing a rotated one revokes the whole session)
// and problem+json errors. Every shape comes from the contract; none is written here.
import { createShopClient, type ResponseBody, type Schemas } from '@shop/client';

export type User = Schemas['User'];
type Problem = Schemas['Problem'];

/** A payment row as /api/admin/payments/ lists it. */
export type AdminPayment = ResponseBody<'getApiAdminPayments'>['results'][number];

/** Where a payment came from, as staff read it: "Razorpay", "Razorpay · second capture", "Manual · cash". */
export function paymentSource(p: Pick<AdminPayment, 'provider' | 'second_capture' | 'method'>): string {
  if (p.provider === 'manual') return `Manual · ${(p.method ?? 'other').replace('_', ' ')}`;
  return p.second_capture ? 'Razorpay · second capture' : 'Razorpay';
}

export function paymentAmount(p: Pick<AdminPayment, 'amount' | 'currency'>): string {
  return p.currency === 'INR' ? money(p.amount) : `${p.amount} ${p.currency}`;
}

/** An answer that is not 2xx: its problem+json, or what could be made of a body that was not one. */
export class ApiError extends Error {
  constructor(readonly problem: Partial<Problem> & { status: number }) {
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

/** What the app keeps of a login: its tokens and who signed in. */
type Session = Pick<ResponseBody<'postApiAuthLogin'>, 'access' | 'refresh' | 'user'>;

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

function problemOf(body: unknown, res: Response): ApiError {
  const problem = body && typeof body === 'object' ? (body as Partial<Problem>) : {};
  return new ApiError({ ...problem, status: res.status, detail: problem.detail ?? (res.statusText || `HTTP ${res.status}`) });
}

/** Calls without the session: signing in and the refresh itself (whose 401 must not refresh). */
const open = createShopClient();

let refreshing: Promise<boolean> | null = null;

/** Swaps the refresh token for a new pair; false (and signed out) when the session is over. */
function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = session;
    if (!current) return false;
    try {
      const { data, response } = await open.POST('/api/auth/token/refresh/', { body: { refresh: current.refresh } });
      if (!data) {
        if (response.status === 401 || response.status === 403) save(null);
        return false;
      }
      save({ ...current, access: data.access, refresh: data.refresh });
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function withToken(request: Request): Request {
  if (session && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${session.access}`);
  return request;
}

/** fetch with the session's token; an expired one is refreshed once, silently, and the call repeated. */
async function sessionFetch(request: Request): Promise<Response> {
  const again = request.clone();
  let res = await fetch(withToken(request));
  if (res.status === 401 && session && (await refreshTokens())) res = await fetch(withToken(again));
  if (res.status === 401 && session) save(null);
  return res;
}

/** The typed client for the whole API, as the signed-in staff user. */
export const shop = createShopClient({ fetch: sessionFetch });

/** The body of a 2xx answer; anything else thrown as an ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw problemOf(error, response);
  return data as T;
}

/** A query-string value the API accepts as one of `allowed`'s keys; anything else (or "") is no filter. */
export function oneOf<T extends string>(value: string, allowed: Record<T, unknown>): T | undefined {
  return Object.hasOwn(allowed, value) ? (value as T) : undefined;
}

/** A query-string "true"/"false" as a boolean; anything else is no filter. */
export function flag(value: string): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Hands a file the API answered (a Blob) to the browser as a download. */
export function saveFile(file: Blob, response: Response, fallbackName: string) {
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(file);
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
  const body = await ok(open.POST('/api/auth/login/', { body: { username, password } }));
  if (!body.user.is_staff) {
    // Not for this app: end the session the login just opened.
    await open
      .POST('/api/auth/logout/', { body: { refresh: body.refresh }, headers: { authorization: `Bearer ${body.access}` } })
      .catch(() => undefined);
    throw new NotStaffError(
      `${body.user.username} is a customer account. Only staff can use the admin dashboard; ask an administrator to grant you staff access.`,
    );
  }
  save({ access: body.access, refresh: body.refresh, user: body.user });
  return body.user;
}

export async function signOut() {
  const current = session;
  if (current) {
    try {
      await ok(shop.POST('/api/auth/logout/', { body: { refresh: current.refresh } }));
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
    const user = await ok(shop.GET('/api/auth/profile/'));
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

/** What an upload answered: its status and parsed JSON body (null when it had none). */
interface UploadAnswer {
  status: number;
  statusText: string;
  body: unknown;
}

function postWithProgress(url: string, form: FormData, onProgress: (fraction: number) => void): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (session) xhr.setRequestHeader('authorization', `Bearer ${session.access}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      resolve({ status: xhr.status, statusText: xhr.statusText, body });
    };
    // A server that refuses a body too large may close the connection before reading it.
    xhr.onerror = () =>
      reject(new ApiError({ status: 0, detail: 'The upload did not reach the server, or the server closed the connection (is the file too large?).' }));
    xhr.send(form);
  });
}

/**
 * POSTs a multipart form as the signed-in user, reporting upload progress (which fetch cannot);
 * an expired token is refreshed once, as for every other call. Non-2xx answers throw an ApiError.
 */
export async function uploadForm<T>(url: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  let answer = await postWithProgress(url, form, onProgress);
  if (answer.status === 401 && session && (await refreshTokens())) answer = await postWithProgress(url, form, onProgress);
  if (answer.status === 401 && session) save(null);
  if (answer.status >= 200 && answer.status < 300) return answer.body as T;
  const problem = answer.body && typeof answer.body === 'object' ? (answer.body as Partial<Problem>) : {};
  throw new ApiError({
    ...problem,
    status: answer.status,
    detail: problem.detail ?? (answer.status === 413 ? 'The file is too large.' : answer.statusText || `HTTP ${answer.status}`),
  });
}
