import {
  type FormEvent,
  type ReactNode,
  StrictMode,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react';
import { createRoot } from 'react-dom/client';
import {
  currentCart,
  currentUser,
  onCartChange,
  onSessionChange,
  refreshCart,
  restoreSession,
  signOut,
} from './api';
import { config, loadConfig } from './config';
import { ForgotPassword, ResetPassword, SignIn, SignUp } from './pages/Account';
import { CartPage } from './pages/Cart';
import { Catalog } from './pages/Catalog';
import { Checkout } from './pages/Checkout';
import { Home } from './pages/Home';
import { OrderPage, Orders } from './pages/Orders';
import { ProductPage } from './pages/Product';
import { Link, navigate, useLocation, withQuery } from './router';
import './styles.css';

/** Pages that need a signed-in shopper send a guest to sign in first, and back afterwards. */
function SignedIn({ children }: { children: ReactNode }) {
  const user = useSyncExternalStore(onSessionChange, currentUser);
  const { path } = useLocation();
  useEffect(() => {
    if (!user) navigate(`/signin?next=${encodeURIComponent(path + location.search)}`, true);
  }, [user, path]);
  return user ? <>{children}</> : null;
}

function Page({ path }: { path: string }) {
  let m: RegExpExecArray | null;
  if (path === '/') return <Home />;
  if (path === '/search') return <Catalog />;
  if ((m = /^\/category\/([^/]+)$/.exec(path)))
    return <Catalog key={m[1]} categorySlug={decodeURIComponent(m[1]!)} />;
  if ((m = /^\/product\/([^/]+)$/.exec(path)))
    return <ProductPage slug={decodeURIComponent(m[1]!)} />;
  if (path === '/cart') return <CartPage />;
  if (path === '/checkout')
    return (
      <SignedIn>
        <Checkout />
      </SignedIn>
    );
  if (path === '/orders')
    return (
      <SignedIn>
        <Orders />
      </SignedIn>
    );
  if ((m = /^\/orders\/(\d+)$/.exec(path)))
    return (
      <SignedIn>
        <OrderPage key={m[1]} id={Number(m[1])} />
      </SignedIn>
    );
  if (path === '/signin') return <SignIn />;
  if (path === '/signup') return <SignUp />;
  if (path === '/forgot-password') return <ForgotPassword />;
  if (path === '/reset-password') return <ResetPassword />;
  return (
    <section className="narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Back to the shop</Link>
      </p>
    </section>
  );
}

function SearchBox() {
  const { path, search } = useLocation();
  const current = path === '/search' ? (search.get('q') ?? '') : '';
  const [q, setQ] = useState(current);
  useEffect(() => setQ(current), [current]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/search', { q: q.trim() }));
  };
  return (
    <form className="search" role="search" onSubmit={submit}>
      <label className="sr-only" htmlFor="site-search">
        Search products
      </label>
      <input
        id="site-search"
        type="search"
        placeholder="Search products"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <button type="submit" className="search-button" aria-label="Search">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            fill="currentColor"
            d="M10 4a6 6 0 1 0 3.5 10.9l4.8 4.8 1.4-1.4-4.8-4.8A6 6 0 0 0 10 4zm0 2a4 4 0 1 1 0 8 4 4 0 0 1 0-8z"
          />
        </svg>
      </button>
    </form>
  );
}

function Shell() {
  const user = useSyncExternalStore(onSessionChange, currentUser);
  const cart = useSyncExternalStore(onCartChange, currentCart);
  const { path } = useLocation();
  const count = cart?.total_items ?? 0;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label={`${config().shopName} home`}>
            {config().shopName}
          </Link>
          <SearchBox />
          <nav className="account" aria-label="Account">
            {user ? (
              <>
                <Link to="/orders" aria-current={path.startsWith('/orders') ? 'page' : undefined}>
                  Orders
                </Link>
                <button
                  type="button"
                  className="link"
                  onClick={() => void signOut().then(() => navigate('/'))}
                >
                  Sign out<span className="sr-only"> {user.username}</span>
                </button>
              </>
            ) : (
              <Link to="/signin">Sign in</Link>
            )}
            <Link
              to="/cart"
              className="cart-link"
              aria-label={`Cart, ${count} ${count === 1 ? 'item' : 'items'}`}
            >
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path
                  fill="currentColor"
                  d="M7 18a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm10 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM5.2 4l.9 2H21l-3.6 7H8.1l-1 2H19v2H4l2.4-4.6L3.6 4H1V2h3.8z"
                />
              </svg>
              <span>Cart</span>
              {count > 0 && (
                <span className="count-badge" data-testid="cart-count">
                  {count}
                </span>
              )}
            </Link>
          </nav>
        </div>
      </header>
      <main id="main" className="main">
        <Page path={path} />
      </main>
      <footer className="footer">
        <p>
          {config().shopName} is an example storefront for the Shop API · prices in ₹, GST included
          · <Link to="/search">All products</Link>
        </p>
      </footer>
    </>
  );
}

async function start() {
  await loadConfig();
  await restoreSession();
  void refreshCart();
  document.title = config().shopName;
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Shell />
    </StrictMode>,
  );
}

void start();
