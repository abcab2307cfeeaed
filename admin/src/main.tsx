import { StrictMode, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { currentUser, isRestoring, onSessionChange, restoreSession, signOut } from './api';
import { Categories } from './pages/Categories';
import { Customer } from './pages/Customer';
import { Dashboard } from './pages/Dashboard';
import { Login } from './pages/Login';
import { OrderDetail, Orders } from './pages/Orders';
import { ProductEdit, Products } from './pages/Products';
import { Payments, Users, WebhookEvents } from './pages/Admin';
import { Emails, Webhooks } from './pages/Notifications';
import { Promotions } from './pages/Promotions';
import { Setup } from './pages/Setup';
import { ShippingMethods } from './pages/ShippingMethods';
import { TaxClasses } from './pages/TaxClasses';
import { Link, Spinner, ToastProvider, useLocation, useTableCellLabels } from './ui';
import './styles.css';

const NAV = [
  ['/', 'Dashboard'],
  ['/products', 'Products'],
  ['/categories', 'Categories'],
  ['/orders', 'Orders'],
  ['/promotions', 'Promotions'],
  ['/shipping-methods', 'Shipping'],
  ['/tax-classes', 'Tax classes'],
  ['/users', 'Users'],
  ['/payments', 'Payments'],
  ['/webhook-events', 'Webhook events'],
  ['/emails', 'E-mails'],
  ['/webhooks', 'Webhooks'],
] as const;

function Page({ path }: { path: string }) {
  let m: RegExpExecArray | null;
  if (path === '/') return <Dashboard />;
  if (path === '/products') return <Products />;
  if (path === '/products/new') return <ProductEdit id={null} />;
  if ((m = /^\/products\/([^/]+)$/.exec(path))) return <ProductEdit id={decodeURIComponent(m[1]!)} />;
  if (path === '/categories') return <Categories />;
  if (path === '/orders') return <Orders />;
  if ((m = /^\/orders\/(\d+)$/.exec(path))) return <OrderDetail id={Number(m[1])} />;
  if (path === '/promotions') return <Promotions />;
  if (path === '/shipping-methods') return <ShippingMethods />;
  if (path === '/tax-classes') return <TaxClasses />;
  if (path === '/users') return <Users />;
  if ((m = /^\/users\/(\d+)$/.exec(path))) return <Customer id={Number(m[1])} />;
  if (path === '/payments') return <Payments />;
  if (path === '/webhook-events') return <WebhookEvents />;
  if (path === '/emails') return <Emails />;
  if (path === '/webhooks') return <Webhooks />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link to="/">Back to the dashboard</Link>
      </p>
    </section>
  );
}

/** The page, its tables' cells labelled for the phone layout (cards instead of columns). */
function Content({ path }: { path: string }) {
  const ref = useRef<HTMLElement>(null);
  useTableCellLabels(ref);
  return (
    <main ref={ref} className="content">
      <Page path={path} />
    </main>
  );
}

function Shell() {
  const user = useSyncExternalStore(onSessionChange, currentUser);
  const restoring = useSyncExternalStore(onSessionChange, isRestoring);
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    // A reload signs in again through the refresh cookie, if the browser holds one.
    void restoreSession();
  }, []);
  useEffect(() => setMenuOpen(false), [path]);
  // First run: the link the server prints while no staff account exists.
  if (path === '/setup') return <Setup />;
  if (!user && restoring) {
    return (
      <main className="login">
        <Spinner label="Signing in…" />
      </main>
    );
  }
  if (!user) return <Login />;
  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <div className="shell">
      <header className="topbar">
        <button
          type="button"
          className="menu-button ghost"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰ <span className="sr-only">Menu</span>
        </button>
        <span className="brand">Shop admin</span>
        <span className="who">
          Signed in as <strong>{user.username}</strong>
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav id="sidebar" className={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Sections">
        {NAV.map(([to, label]) => (
          <Link key={to} to={to} className={section === to ? 'active' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <Content path={path} />
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ToastProvider>
      <Shell />
    </ToastProvider>
  </StrictMode>,
);
