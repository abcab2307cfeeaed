// What the shop sends out: e-mails (with a preview of each) and outgoing webhooks (endpoints,
// their attempts, a retry of a failed one).
import type { QueryOf, RequestBody, Schemas } from '@shop/client';
import { type FormEvent, useRef, useState } from 'react';
import { dateTime, ok, oneOf, shop } from '../api';
import {
  Field,
  fieldErrorsOf,
  Loadable,
  Pagination,
  StatusBadge,
  useLoad,
  useQueryParam,
  useRevealOnOpen,
  useToast,
} from '../ui';

const PAGE_SIZE = 25;

type Email = Schemas['Email'];
type Endpoint = Schemas['WebhookEndpoint'];
type Created = Schemas['WebhookEndpointCreated'];
type Delivery = Schemas['WebhookDelivery'];
type EventType = RequestBody<'postApiAdminWebhookEndpoints'>['event_types'][number];
type DeliveriesQuery = NonNullable<QueryOf<'getApiAdminWebhookEndpointsIdDeliveries'>>;

/** The event types an endpoint can subscribe to: those of the contract, each once, in its order. */
const EVENT_TYPES: Record<EventType, true> = {
  'order.placed': true,
  'order.paid': true,
  'order.cancelled': true,
  'order.shipped': true,
  'order.delivered': true,
  'order.refunded': true,
  'product.out_of_stock': true,
  'customer.created': true,
};
const DELIVERY_STATUSES: Record<NonNullable<DeliveriesQuery['status']>, true> = {
  pending: true,
  succeeded: true,
  failed: true,
};

function usePage(): [number, (n: number) => void] {
  const [pageParam, setPage] = useQueryParam('page', '1');
  return [Math.max(1, Number(pageParam) || 1), (n: number) => setPage(String(n))];
}

// ---- e-mails ------------------------------------------------------------------------------------

export function Emails() {
  const [page, setPage] = usePage();
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const query = { page, page_size: PAGE_SIZE };
  const list = useLoad(
    () => ok(shop.GET('/api/admin/emails', { params: { query } })),
    JSON.stringify(query),
  );
  return (
    <section>
      <div className="page-head">
        <h1>E-mails</h1>
        <button type="button" className="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <div className={selectedId ? 'split' : undefined}>
        <Loadable loaded={list} empty={(p) => (p.count === 0 ? 'No e-mails sent yet.' : null)}>
          {(p) => (
            <>
              <div className="table-wrap">
                <table className="table cards" data-testid="emails-table">
                  <thead>
                    <tr>
                      <th>Created</th>
                      <th>E-mail</th>
                      <th>Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.results.map((e) => (
                      <EmailRow
                        key={e.id}
                        email={e}
                        selected={e.id === selectedId}
                        onSelect={() => setSelectedId(e.id === selectedId ? null : e.id)}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
            </>
          )}
        </Loadable>
        {selectedId ? (
          <EmailPreview key={selectedId} id={selectedId} onClose={() => setSelectedId(null)} />
        ) : null}
      </div>
    </section>
  );
}

function EmailRow({
  email: e,
  selected,
  onSelect,
}: {
  email: Email;
  selected: boolean;
  onSelect: () => void;
}) {
  return (
    <tr data-email-id={e.id} className={selected ? 'selected' : undefined}>
      <td className="nowrap">{dateTime(e.created_at)}</td>
      <td className="break">
        <button type="button" className="link" aria-pressed={selected} onClick={onSelect}>
          {e.subject}
        </button>
        <div className="muted small">
          To {e.to} · {e.template}
        </div>
      </td>
      <td>
        <StatusBadge status={e.status} />{' '}
        <span className="muted small" data-testid="email-attempts">
          {e.attempts === 1 ? '1 attempt' : `${e.attempts} attempts`}
        </span>
        {e.sent_at ? <div className="muted small">Sent {dateTime(e.sent_at)}</div> : null}
        {e.last_error ? (
          <div
            className={`small ${e.status === 'failed' ? 'danger' : 'muted'}`}
            data-testid="email-error"
          >
            {e.last_error}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

function EmailPreview({ id, onClose }: { id: number; onClose: () => void }) {
  const [tab, setTab] = useState<'html' | 'text'>('html');
  const ref = useRef<HTMLElement>(null);
  // Beside the list on a wide screen; under it on a narrow one, out of sight: shown there.
  useRevealOnOpen(ref, '(max-width: 1100px)', 'start');
  const preview = useLoad(
    () => ok(shop.GET('/api/admin/emails/{id}/preview/', { params: { path: { id } } })),
    String(id),
  );
  return (
    <aside
      ref={ref}
      className="card preview"
      aria-label="E-mail preview"
      data-testid="email-preview"
    >
      <div className="card-head">
        <h2>Preview</h2>
        <button type="button" className="ghost" aria-label="Close preview" onClick={onClose}>
          ×
        </button>
      </div>
      <Loadable loaded={preview}>
        {(p) => (
          <>
            <dl className="preview-meta">
              <dt>To</dt>
              <dd>{p.to}</dd>
              <dt>Subject</dt>
              <dd>{p.subject}</dd>
            </dl>
            <div className="tabs" role="tablist" aria-label="Part">
              {(['html', 'text'] as const).map((t) => (
                <button
                  key={t}
                  type="button"
                  role="tab"
                  aria-selected={tab === t}
                  className={tab === t ? 'tab active' : 'tab'}
                  onClick={() => setTab(t)}
                >
                  {t === 'html' ? 'HTML' : 'Text'}
                </button>
              ))}
            </div>
            {tab === 'html' ? (
              // sandbox="": no scripts, no forms, no navigation, an origin of its own.
              <iframe
                className="email-frame"
                title={`HTML of “${p.subject}”`}
                sandbox=""
                srcDoc={p.html}
              />
            ) : (
              <pre className="email-text" data-testid="email-text">
                {p.text}
              </pre>
            )}
          </>
        )}
      </Loadable>
    </aside>
  );
}

// ---- outgoing webhooks ----------------------------------------------------------------------------

export function Webhooks() {
  const toast = useToast();
  const [page, setPage] = usePage();
  const [openId, setOpenId] = useState<number | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const query = { page, page_size: PAGE_SIZE };
  const list = useLoad(
    () => ok(shop.GET('/api/admin/webhook-endpoints/', { params: { query } })),
    JSON.stringify(query),
  );

  const toggle = async (e: Endpoint) => {
    try {
      await ok(
        shop.PATCH('/api/admin/webhook-endpoints/{id}/', {
          params: { path: { id: e.id } },
          body: { is_active: !e.is_active },
        }),
      );
      toast.ok(`${e.url} ${e.is_active ? 'disabled' : 'enabled'}.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    }
  };
  const remove = async (e: Endpoint) => {
    if (!confirm(`Delete the endpoint ${e.url} and its delivery history?`)) return;
    try {
      await ok(
        shop.DELETE('/api/admin/webhook-endpoints/{id}/', { params: { path: { id: e.id } } }),
      );
      toast.ok(`${e.url} deleted.`);
      if (openId === e.id) setOpenId(null);
      list.reload();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Webhooks</h1>
        <button type="button" className="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {created ? <SecretOnce created={created} onDone={() => setCreated(null)} /> : null}
      <CreateEndpoint
        onCreated={(c) => {
          setCreated(c);
          list.reload();
        }}
      />
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? 'No webhook endpoints yet.' : null)}>
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table cards" data-testid="endpoints-table">
                <thead>
                  <tr>
                    <th>URL</th>
                    <th>Event types</th>
                    <th>Active</th>
                    <th>Failing since</th>
                    <th>Created</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((e) => (
                    <tr
                      key={e.id}
                      data-endpoint-id={e.id}
                      className={e.id === openId ? 'selected' : undefined}
                    >
                      <td className="break">
                        <code>{e.url}</code>
                      </td>
                      <td>
                        <div className="event-list">
                          {e.event_types.map((t) => (
                            <code key={t} className="event-chip">
                              {t}
                            </code>
                          ))}
                        </div>
                      </td>
                      <td>
                        <label className="switch">
                          <input
                            type="checkbox"
                            checked={e.is_active}
                            onChange={() => void toggle(e)}
                          />
                          <span className="sr-only">Active: {e.url}</span>
                          <span className="switch-track" aria-hidden="true" />
                        </label>
                      </td>
                      <td>
                        {e.failing_since ? (
                          <span className="badge badge-failed">{dateTime(e.failing_since)}</span>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>{dateTime(e.created_at)}</td>
                      <td>
                        <div className="row-actions">
                          <button
                            type="button"
                            className="small secondary"
                            aria-pressed={e.id === openId}
                            onClick={() => setOpenId(e.id === openId ? null : e.id)}
                          >
                            Deliveries
                          </button>
                          <button
                            type="button"
                            className="small danger"
                            onClick={() => void remove(e)}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </Loadable>
      {openId ? (
        <Deliveries
          key={openId}
          endpoint={list.data?.results.find((e) => e.id === openId) ?? null}
          id={openId}
          onChange={list.reload}
        />
      ) : null}
    </section>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (created: Created) => void }) {
  const toast = useToast();
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<EventType[]>([]);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const created = await ok(
        shop.POST('/api/admin/webhook-endpoints/', {
          body: { url: url.trim(), event_types: types },
        }),
      );
      setUrl('');
      setTypes([]);
      onCreated(created);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      if (!Object.keys(fields).length) toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  const typeErrors = Object.entries(errors)
    .filter(
      ([k]) => k === 'event_types' || k.startsWith('event_types.') || k.startsWith('event_types/'),
    )
    .flatMap(([, v]) => v);
  return (
    <form
      className="card endpoint-form"
      onSubmit={(e) => void submit(e)}
      aria-label="New webhook endpoint"
      noValidate
    >
      <div className="card-head">
        <h2>New endpoint</h2>
      </div>
      <Field
        label="URL"
        errors={errors.url}
        hint="Events are POSTed here, signed with the endpoint’s secret."
      >
        {(props) => (
          <input
            {...props}
            type="url"
            placeholder="https://hooks.example.com/shop"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        )}
      </Field>
      <fieldset className={`event-types${typeErrors.length ? ' field-invalid' : ''}`}>
        <legend>Event types</legend>
        <div className="checks">
          {(Object.keys(EVENT_TYPES) as EventType[]).map((t) => (
            <label key={t} className="check">
              <input
                type="checkbox"
                checked={types.includes(t)}
                onChange={(e) =>
                  setTypes((list) =>
                    e.target.checked ? [...list, t] : list.filter((x) => x !== t),
                  )
                }
              />
              <code>{t}</code>
            </label>
          ))}
        </div>
        {typeErrors.length ? <div className="field-error">{typeErrors.join(' ')}</div> : null}
      </fieldset>
      {Object.entries(errors)
        .filter(([k]) => k !== 'url' && !k.startsWith('event_types'))
        .map(([k, v]) => (
          <div key={k} className="field-error">
            {k}: {v.join(' ')}
          </div>
        ))}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create endpoint'}
      </button>
    </form>
  );
}

function SecretOnce({ created, onDone }: { created: Created; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
    } catch {
      // No clipboard (plain http, or denied): select the text for a manual copy.
      const el = document.getElementById('endpoint-secret');
      if (el) getSelection()?.selectAllChildren(el);
    }
  };
  return (
    <div className="card secret-once" role="alert" data-testid="endpoint-secret">
      <div className="card-head">
        <h2>Signing secret of {created.url}</h2>
      </div>
      <p>
        <strong>Copy it now: you will not see it again.</strong> The receiver needs it to check the{' '}
        <code>webhook-signature</code> header of each request.
      </p>
      <div className="secret-line">
        <code id="endpoint-secret">{created.secret}</code>
        <button type="button" className="secondary" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDone}>
          I have saved it
        </button>
      </div>
    </div>
  );
}

function Deliveries({
  id,
  endpoint,
  onChange,
}: {
  id: number;
  endpoint: Endpoint | null;
  onChange: () => void;
}) {
  const toast = useToast();
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const ref = useRef<HTMLDivElement>(null);
  // Under the endpoints and the form, often out of sight: shown where the click asked for it.
  useRevealOnOpen(ref);
  const query: DeliveriesQuery = {
    status: oneOf(status, DELIVERY_STATUSES),
    page,
    page_size: PAGE_SIZE,
  };
  const list = useLoad(
    () =>
      ok(
        shop.GET('/api/admin/webhook-endpoints/{id}/deliveries/', {
          params: { path: { id }, query },
        }),
      ),
    `${id} ${JSON.stringify(query)}`,
  );
  const retry = async (d: Delivery) => {
    try {
      await ok(
        shop.POST('/api/admin/webhook-deliveries/{id}/retry/', { params: { path: { id: d.id } } }),
      );
      toast.ok(`${d.event_type} sent again.`);
      list.reload();
      onChange();
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <div ref={ref} className="card deliveries" data-testid="deliveries">
      <div className="card-head">
        <h2>
          Deliveries
          {endpoint ? (
            <>
              {' '}
              to <code>{endpoint.url}</code>
            </>
          ) : null}
        </h2>
        <label className="inline-field">
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setPage(1);
            }}
          >
            <option value="">Any</option>
            {Object.keys(DELIVERY_STATUSES).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <Loadable
        loaded={list}
        empty={(p) =>
          p.count === 0
            ? status
              ? 'No deliveries match.'
              : 'Nothing sent to this endpoint yet.'
            : null
        }
      >
        {(p) => {
          return (
            <>
              <div className="table-wrap">
                <table className="table cards" data-testid="deliveries-table">
                  <thead>
                    <tr>
                      <th>Created</th>
                      <th>Event</th>
                      <th className="num">Attempt</th>
                      <th>Status</th>
                      <th>Response</th>
                      <th>Next attempt</th>
                      <th>Answer</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {p.results.map((d) => (
                      <tr
                        key={d.id}
                        data-delivery-id={d.id}
                        data-status={d.status}
                        data-attempt={d.attempt}
                      >
                        <td className="nowrap">{dateTime(d.created_at)}</td>
                        <td>
                          <code>{d.event_type}</code>
                          <div className="muted small">
                            <code>{d.event_id}</code>
                          </div>
                        </td>
                        <td className="num">{d.attempt}</td>
                        <td>
                          <StatusBadge status={d.status} />
                        </td>
                        <td className="nowrap">
                          {d.response_status ?? '—'}
                          {d.duration_ms === null ? null : (
                            <span className="muted small"> in {d.duration_ms} ms</span>
                          )}
                        </td>
                        <td>{dateTime(d.next_attempt_at)}</td>
                        <td className="snippet">
                          {d.response_snippet ? <code>{d.response_snippet}</code> : '—'}
                        </td>
                        <td>
                          {d.status === 'failed' ? (
                            <RetryCell
                              delivery={d}
                              later={laterAttempt(d, p.results)}
                              endpointActive={endpoint?.is_active ?? true}
                              onRetry={retry}
                            />
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
            </>
          );
        }}
      </Loadable>
    </div>
  );
}

/** The newest finished attempt of the same event after `d` on this page, if any. */
function laterAttempt(d: Delivery, rows: Delivery[]): Delivery | undefined {
  return rows
    .filter((r) => r.event_id === d.event_id && r.attempt > d.attempt && r.status !== 'pending')
    .sort((a, b) => b.attempt - a.attempt)[0];
}

/**
 * A failed attempt's Retry (a new attempt now, even when an automatic one is scheduled); none
 * once a later attempt of the event has finished (it succeeded, or it is the one to retry), nor
 * while the endpoint is switched off (the API would answer 409).
 */
function RetryCell({
  delivery,
  later,
  endpointActive,
  onRetry,
}: {
  delivery: Delivery;
  later: Delivery | undefined;
  endpointActive: boolean;
  onRetry: (d: Delivery) => Promise<void>;
}) {
  if (!endpointActive) return <span className="muted small">Endpoint off</span>;
  if (later) {
    return (
      <span className="muted small">
        Attempt {later.attempt} {later.status} since
      </span>
    );
  }
  return (
    <button type="button" className="small secondary" onClick={() => void onRetry(delivery)}>
      Retry
    </button>
  );
}
