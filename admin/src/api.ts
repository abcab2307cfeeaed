// The API client: the generated, typed @shop/client, with bearer tokens, silent refresh through
// the HttpOnly refresh cookie (one at a time, across tabs too: the cookie rotates, and reusing
// a rotated one revokes the whole session)
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

/**
 * The session lives in this page's memory: the access token and who signed in. The refresh
 * token is in an HttpOnly cookie that only /api/auth/token/refresh/ receives, so no script
 * (nor an injected one) can read it; a reload signs in again through that cookie.
 */
type Session = { access: string; user: User };

/** Where versions before the cookie kept the whole session, refresh token included. */
const OLD_STORE = 'shop-admin-session';
/**
 * A hint (no secret) that this browser signed in here and may hold the refresh cookie, which
 * script cannot see: without it a page load does not ask, and a signed-out visitor's console
 * stays free of a refused refresh.
 */
const SIGNED_IN_HINT = 'shop-admin-signed-in';

function hint(signedIn: boolean | undefined): boolean {
  try {
    if (signedIn === true) localStorage.setItem(SIGNED_IN_HINT, '1');
    else if (signedIn === false) localStorage.removeItem(SIGNED_IN_HINT);
    return localStorage.getItem(SIGNED_IN_HINT) === '1';
  } catch {
    return true; // storage disabled: ask the server
  }
}

let session: Session | null = null;
/** True until the first attempt to resume the session through the cookie has answered. */
let restoring = true;
const listeners = new Set<() => void>();

function save(next: Session | null) {
  session = next;
  hint(next !== null);
  for (const listener of listeners) listener();
}

export function currentUser(): User | null {
  return session?.user ?? null;
}

/** Whether the app is still finding out if the browser holds a session (show no login form yet). */
export function isRestoring(): boolean {
  return restoring;
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

let refreshing: Promise<string | null | undefined> | null = null;

/**
 * Tabs of this origin refresh one at a time: the cookie rotates, and two tabs sending the same
 * one at once would look like a stolen token (which ends the session).
 */
async function oneTabAtATime<T>(run: () => Promise<T>): Promise<T> {
  // Absent outside secure contexts (plain http on another host than localhost).
  const locks = (navigator as Partial<Navigator>).locks;
  if (!locks) return run();
  let result!: T;
  await locks.request('shop-admin-refresh', async () => {
    result = await run();
  });
  return result;
}

/**
 * Swaps the refresh cookie for a new access token (and cookie): null when there is no
 * session to resume (no cookie, or it was revoked), undefined when the server could not say.
 */
function refreshAccess(): Promise<string | null | undefined> {
  refreshing ??= oneTabAtATime(async () => {
    try {
      const { data, response } = await open.POST('/api/auth/token/refresh/', { body: {} });
      if (data) return data.access;
      // 400: no cookie; 401: revoked, expired or reused. Anything else may pass.
      return response.status === 400 || response.status === 401 ? null : undefined;
    } catch {
      return undefined;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A new access token for the current session; false (and signed out) when the session is over. */
async function refreshTokens(): Promise<boolean> {
  const current = session;
  if (!current) return false;
  const access = await refreshAccess();
  if (!access) {
    if (access === null) save(null);
    return false;
  }
  if (session) save({ ...session, access });
  return true;
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

/** The staff user of a new access token; a customer's session is ended and refused. */
async function startSession(access: string, user: User): Promise<User> {
  if (!user.is_staff) {
    // Not for this app: end the session the login just opened (and its cookie).
    await open
      .POST('/api/auth/logout/', { body: { current: true }, headers: { authorization: `Bearer ${access}` } })
      .catch(() => undefined);
    throw new NotStaffError(
      `${user.username} is a customer account. Only staff can use the admin dashboard; ask an administrator to grant you staff access.`,
    );
  }
  save({ access, user });
  return user;
}

export async function signIn(username: string, password: string): Promise<User> {
  const body = await ok(open.POST('/api/auth/login/', { body: { username, password, refresh_cookie: true } }));
  return startSession(body.access, body.user);
}

export async function signOut() {
  if (session) {
    try {
      await ok(shop.POST('/api/auth/logout/', { body: { current: true } }));
    } catch {
      /* the session may be over already */
    }
  }
  save(null);
}

let resuming: Promise<void> | null = null;

/** On page load: resumes the session through the refresh cookie, if the browser holds one. */
export function restoreSession(): Promise<void> {
  resuming ??= (async () => {
    try {
      try {
        // Versions before the cookie kept a refresh token here; it has no business in storage.
        localStorage.removeItem(OLD_STORE);
      } catch {
        /* storage disabled: nothing was kept there either */
      }
      if (!hint(undefined)) return;
      const access = await refreshAccess();
      if (access === null) hint(false);
      if (!access) return;
      const { data: user } = await open.GET('/api/auth/profile/', { headers: { authorization: `Bearer ${access}` } });
      if (user) await startSession(access, user).catch(() => undefined);
    } finally {
      restoring = false;
      for (const listener of listeners) listener();
    }
  })();
  return resuming;
}

/** First-run setup: is it open, and is the link's token good? Null once a staff account exists. */
export async function setupStatus(token?: string): Promise<{ token_valid: boolean | null } | null> {
  const query = token === undefined ? {} : { token };
  const status = await ok(open.GET('/api/auth/setup/', { params: { query } }));
  return status.setup_needed ? status : null;
}

/** Creates the first admin with the setup link's token, and signs in as them. */
export async function createFirstAdmin(input: { token: string; username: string; email: string; password: string }): Promise<User> {
  const body = await ok(open.POST('/api/auth/setup/', { body: { ...input, refresh_cookie: true } }));
  return startSession(body.access, body.user);
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
