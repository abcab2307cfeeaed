// The storefront's side of the Shop API: the typed @shop/client bound to the configured base
// URL, the shopper's session (access token in memory, refresh token in localStorage, refreshed
// silently once on a 401, as the admin app does), the guest cart token (X-Cart-Token) and
// problem+json errors. Every shape comes from the contract (Schemas[…]); none is written here.
import { createShopClient, type Schemas, type ShopClient } from '@shop/client';
import { config } from './config';

export type User = Schemas['User'];
type Cart = Schemas['Cart'];
type Problem = Schemas['Problem'];

const REFRESH_KEY = 'kadai-refresh-token';
const CART_KEY = 'kadai-cart-token';
const CARRIES_CART = /\/api\/(cart|auth\/login|auth\/register)(\/|$)/;

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

// ---- session --------------------------------------------------------------------------

interface Session {
  access: string;
  user: User | null;
}

let session: Session | null = null;
const sessionListeners = new Set<() => void>();

function storage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string | null) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* private mode: the session lasts as long as the page */
  }
}

function setSession(next: Session | null, refresh?: string | null) {
  session = next;
  if (refresh !== undefined) store(REFRESH_KEY, refresh);
  for (const listener of sessionListeners) listener();
}

export function currentUser(): User | null {
  return session?.user ?? null;
}

export function onSessionChange(listener: () => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

// ---- the client -----------------------------------------------------------------------

function withHeaders(request: Request): Request {
  if (session && !request.headers.has('authorization'))
    request.headers.set('authorization', `Bearer ${session.access}`);
  const cartToken = storage(CART_KEY);
  // The guest token goes with a guest's cart requests, and with the sign-in or sign-up that
  // merges it; not with catalog reads, which stay simple CORS requests (no preflight).
  if (!session && cartToken && CARRIES_CART.test(new URL(request.url).pathname))
    request.headers.set('x-cart-token', cartToken);
  return request;
}

function keepCartToken(res: Response) {
  const token = res.headers.get('x-cart-token');
  if (token && !session) store(CART_KEY, token);
}

let refreshing: Promise<boolean> | null = null;

/** Swaps the stored refresh token for a new pair; false (and signed out) when the session is over. */
function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const refresh = storage(REFRESH_KEY);
    if (!refresh) return false;
    try {
      const { data, response } = await open().POST('/api/auth/token/refresh/', {
        body: { refresh },
      });
      if (!data) {
        if (response.status === 401 || response.status === 403) setSession(null, null);
        return false;
      }
      setSession({ access: data.access, user: session?.user ?? null }, data.refresh);
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function sessionFetch(request: Request): Promise<Response> {
  const again = request.clone();
  let res = await fetch(withHeaders(request));
  if (res.status === 401 && session && (await refreshTokens()))
    res = await fetch(withHeaders(again));
  if (res.status === 401 && session) setSession(null, null);
  keepCartToken(res);
  return res;
}

let shopClient: ShopClient | null = null;
let openClient: ShopClient | null = null;

/** The typed client for the whole API, as the shopper (signed in or guest). */
export function shop(): ShopClient {
  shopClient ??= createShopClient({ baseUrl: config().api, fetch: sessionFetch });
  return shopClient;
}

/** Calls without the session: the refresh itself (whose 401 must not refresh again). */
function open(): ShopClient {
  openClient ??= createShopClient({ baseUrl: config().api });
  return openClient;
}

function problemOf(body: unknown, res: Response): ApiError {
  const problem = body && typeof body === 'object' ? (body as Partial<Problem>) : {};
  return new ApiError({
    ...problem,
    status: res.status,
    detail: problem.detail ?? (res.statusText || `HTTP ${res.status}`),
  });
}

/** The body of a 2xx answer; anything else thrown as an ApiError. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch {
    throw new ApiError({
      status: 0,
      detail: `The shop cannot be reached (${config().api}). Is the API running?`,
    });
  }
  if (!answer.response.ok) throw problemOf(answer.error, answer.response);
  return answer.data as T;
}

// ---- signing in and out ---------------------------------------------------------------

function signedIn(tokens: { access: string; refresh: string }, user: User) {
  // The guest cart, if any, was merged into the account by this very request.
  store(CART_KEY, null);
  setSession({ access: tokens.access, user }, tokens.refresh);
  void refreshCart();
}

export async function signIn(username: string, password: string): Promise<User> {
  const body = await ok(shop().POST('/api/auth/login/', { body: { username, password } }));
  signedIn(body, body.user);
  return body.user;
}

export async function signUp(fields: Schemas['RegisterBody']): Promise<User> {
  const body = await ok(shop().POST('/api/auth/register/', { body: fields }));
  signedIn(body.tokens, body.user);
  return body.user;
}

export async function signOut() {
  const refresh = storage(REFRESH_KEY);
  if (session && refresh) {
    await ok(shop().POST('/api/auth/logout/', { body: { refresh } })).catch(() => undefined);
  }
  setSession(null, null);
  setCart(null);
}

/** At start: a stored refresh token becomes a session again (and the profile is read). */
export async function restoreSession(): Promise<void> {
  if (storage(REFRESH_KEY) && (await refreshTokens())) {
    try {
      const user = await ok(shop().GET('/api/auth/profile/'));
      if (session) setSession({ ...session, user });
    } catch {
      /* signed out by the failure */
    }
  }
}

// ---- the cart -------------------------------------------------------------------------

let cart: Cart | null = null;
const cartListeners = new Set<() => void>();

export function currentCart(): Cart | null {
  return cart;
}

export function onCartChange(listener: () => void): () => void {
  cartListeners.add(listener);
  return () => cartListeners.delete(listener);
}

export function setCart(next: Cart | null) {
  cart = next;
  for (const listener of cartListeners) listener();
}

/** Reads the cart again (a guest without a token has an empty one and nothing is created). */
export async function refreshCart(): Promise<Cart | null> {
  try {
    setCart(await ok(shop().GET('/api/cart')));
  } catch {
    /* the header shows no count */
  }
  return cart;
}

/** Runs a cart change and makes its answer the cart everyone sees. */
export async function changeCart(
  call: Promise<{ data?: Cart; error?: unknown; response: Response }>,
): Promise<Cart> {
  const next = await ok(call);
  setCart(next);
  return next;
}

// ---- formatting -----------------------------------------------------------------------

const rupees = new Intl.NumberFormat('en-IN', {
  style: 'currency',
  currency: 'INR',
  minimumFractionDigits: 2,
});

/** "1499.00" → "₹1,499.00" (the API's money strings are exact; formatting only reads them). */
export function money(value: string): string {
  return rupees.format(Number(value));
}

/** A money string in whole paise, exactly ("1499.5" → 149950). */
export function paise(value: string): number {
  const [whole = '0', fraction = ''] = value.split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number((fraction + '00').slice(0, 2)));
}

/** Whole paise → a money string ("149950" → "1499.50"). */
export function fromPaise(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function dateOf(iso: string): string {
  return new Date(iso).toLocaleDateString('en-IN', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });
}
