import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { ApiError, errorText } from './api';

// ---- routing: history API under /admin ------------------------------------------------

const BASE = '/admin';

function subscribe(listener: () => void) {
  window.addEventListener('popstate', listener);
  return () => window.removeEventListener('popstate', listener);
}

/** The path inside the app ("/products/12") and its query string. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const url = new URL(href, location.origin);
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) || '/' : url.pathname;
  return { path: path.replace(/\/+$/, '') || '/', search: url.searchParams };
}

export function navigate(to: string, replace = false) {
  const url = BASE + (to === '/' ? '/' : to);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={BASE + (to === '/' ? '/' : to)}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Query-string state: `[value, set]` for one parameter, kept in the URL. */
export function useQueryParam(name: string, fallback = ''): [string, (value: string) => void] {
  const { search } = useLocation();
  const value = search.get(name) ?? fallback;
  const set = useCallback(
    (next: string) => {
      const params = new URLSearchParams(location.search);
      if (next === '' || next === fallback) params.delete(name);
      else params.set(name, next);
      if (name !== 'page') params.delete('page');
      const qs = params.toString();
      history.replaceState(null, '', location.pathname + (qs ? `?${qs}` : ''));
      window.dispatchEvent(new PopStateEvent('popstate'));
    },
    [name, fallback],
  );
  return [value, set];
}

// ---- toasts ------------------------------------------------------------------------------

interface Toast {
  id: number;
  kind: 'error' | 'ok';
  text: string;
}

interface Toasts {
  error(err: unknown): void;
  ok(text: string): void;
}

const ToastContext = createContext<Toasts>({ error: () => undefined, ok: () => undefined });

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const push = useCallback((kind: Toast['kind'], text: string) => {
    const id = next.current++;
    setToasts((list) => [...list.slice(-3), { id, kind, text }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  const [api] = useState<Toasts>(() => ({
    error: (err) => push('error', errorText(err)),
    ok: (text) => push('ok', text),
  }));
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined}>
            <span>{t.text}</span>
            <button type="button" aria-label="Dismiss" onClick={() => setToasts((l) => l.filter((x) => x.id !== t.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Toasts {
  return useContext(ToastContext);
}

// ---- data loading --------------------------------------------------------------------------

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` whenever `key` changes; keeps the previous data while reloading. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A value that settles `ms` after the last change (for search boxes). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

// ---- small components ---------------------------------------------------------------------

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

function LoadError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <div className="load-error" role="alert">
      <p>{errorText(error)}</p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

/** Loading, error and empty states around a loaded list. */
export function Loadable<T>({
  loaded,
  empty,
  children,
}: {
  loaded: Loaded<T>;
  empty?: (data: T) => ReactNode | null;
  children: (data: T) => ReactNode;
}) {
  const { data, error, loading, reload } = loaded;
  if (data === undefined) {
    if (error) return <LoadError error={error} retry={reload} />;
    return <Spinner />;
  }
  const nothing = empty?.(data);
  return (
    <div className={loading ? 'stale' : undefined} aria-busy={loading}>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {nothing ? <Empty>{nothing}</Empty> : children(data)}
    </div>
  );
}

export function Pagination({
  page,
  count,
  pageSize,
  onPage,
}: {
  page: number;
  count: number;
  pageSize: number;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (count === 0) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ Previous
      </button>
      <span>
        Page {page} of {pages} · {count} in all
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next ›
      </button>
    </nav>
  );
}

/** A labelled form field with the API's messages for it underneath. */
export function Field({
  label,
  errors,
  children,
  hint,
}: {
  label: string;
  errors?: string[] | undefined;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const messageId = `${id}-msg`;
  const invalid = Boolean(errors?.length);
  return (
    <div className={`field${invalid ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': invalid, 'aria-describedby': invalid || hint ? messageId : undefined })}
      {invalid ? (
        <div className="field-error" id={messageId}>
          {errors!.join(' ')}
        </div>
      ) : hint ? (
        <div className="field-hint" id={messageId}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status.replace('_', ' ')}</span>;
}

/** A modal dialog (native <dialog>: focus trap and Escape for free). */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header>
        <h2>{title}</h2>
        <button type="button" className="ghost" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}

export function fieldErrorsOf(err: unknown): Record<string, string[]> {
  return err instanceof ApiError ? err.fieldErrors() : {};
}

// ---- phone widths ------------------------------------------------------------------------

/** Whether a media query matches now, following changes (the window turning, resizing). */
export function useMediaQuery(query: string): boolean {
  const subscribeQuery = useCallback(
    (listener: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', listener);
      return () => list.removeEventListener('change', listener);
    },
    [query],
  );
  return useSyncExternalStore(subscribeQuery, () => window.matchMedia(query).matches);
}

/** Copies each column's heading onto its body cells (`data-label`) of every `.table` in `root`. */
function labelTableCells(root: HTMLElement) {
  for (const table of root.querySelectorAll<HTMLTableElement>('table.table')) {
    const headRow = table.tHead?.rows[table.tHead.rows.length - 1];
    if (!headRow) continue;
    const labels: string[] = [];
    for (const th of headRow.cells) {
      for (let i = 0; i < th.colSpan; i++) labels.push(th.textContent?.trim() ?? '');
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const label = labels[column] ?? '';
          if (cell.dataset.label !== label) cell.dataset.label = label;
          column += cell.colSpan;
        }
      }
    }
  }
}

/**
 * Keeps the cells of the tables under `ref` labelled with their column's heading, so that on
 * a phone a table with the `cards` class can show each row as a card of "label: value" lines
 * (styles.css). Labels are attributes React does not own, so re-renders leave them alone; an
 * observer labels rows that appear later.
 */
export function useTableCellLabels(ref: { current: HTMLElement | null }) {
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    let frame = 0;
    const schedule = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        labelTableCells(root);
      });
    };
    labelTableCells(root);
    const observer = new MutationObserver(schedule);
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [ref]);
}

/**
 * Scrolls a panel that opens away from what opened it (below a list, or below it only on a
 * narrow screen) into view when it appears, while `query` matches.
 */
export function useRevealOnOpen(ref: { current: HTMLElement | null }, query = 'all', block: ScrollLogicalPosition = 'nearest') {
  useEffect(() => {
    if (window.matchMedia(query).matches) ref.current?.scrollIntoView({ block });
  }, [ref, query, block]);
}
