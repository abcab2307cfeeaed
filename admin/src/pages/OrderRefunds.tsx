// An order's refunds in the admin (API-v2 §3): the list on the order page and the dialog that
// asks for one. What the dialog shows (units left, each unit's paid share, what remains
// refundable) comes from the order detail and its payments (./refunds.ts).
import type { RequestBody, Schemas } from '@shop/client';
import { type FormEvent, useRef, useState } from 'react';
import { type AdminPayment, ApiError, dateTime, errorText, money, ok, shop } from '../api';
import { Dialog, Field, fieldErrorsOf, StatusBadge, useToast } from '../ui';
import { fromPaise, lineShare, refundable, refundLines, toPaise } from './refunds';

type OrderDetailData = Schemas['OrderDetail'];
type OrderItem = OrderDetailData['items'][number];
type Refund = OrderDetailData['refunds'][number];
type RefundBody = RequestBody<'postApiOrdersIdRefunds'>;

/** A key for one opening of the dialog (crypto.randomUUID needs a secure context; this does not). */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `refund-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function itemName(item: OrderItem): string {
  return item.variant_title && item.variant_title !== 'Default'
    ? `${item.product_name} (${item.variant_title})`
    : item.product_name;
}

/** The order's refunds, oldest first: status, amount, items, reason and Razorpay's id. */
export function RefundsList({ order }: { order: OrderDetailData }) {
  const names = new Map(order.items.map((i) => [i.id, itemName(i)]));
  if (order.refunds.length === 0) return <p className="empty">No refunds yet.</p>;
  return (
    <ul className="refund-list" data-testid="refunds-list">
      {order.refunds.map((r) => (
        <li key={r.id} data-testid="refund" data-refund-id={r.id} data-status={r.status}>
          <div className="refund-head">
            <strong data-testid="refund-amount">{money(r.amount)}</strong>
            <span data-testid="refund-status">
              <StatusBadge status={r.status} />
            </span>
            <span className="muted small">
              #{r.id} · {dateTime(r.created_at)}
            </span>
          </div>
          {r.items.length ? (
            <ul className="refund-items small" data-testid="refund-items">
              {r.items.map((l) => (
                <li key={l.item_id}>
                  {l.quantity} × {names.get(l.item_id) ?? `item ${l.item_id}`} · {money(l.amount)}
                  {r.restock && r.status !== 'failed' ? (
                    <span className="muted">
                      {r.status === 'processed' ? ' · restocked' : ' · restocked when processed'}
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <div className="small muted">By amount</div>
          )}
          {r.reason ? (
            <div className="small" data-testid="refund-reason">
              {r.reason}
            </div>
          ) : null}
          <div className="small muted">
            {r.razorpay_refund_id ? (
              <>
                Razorpay refund <code data-testid="refund-razorpay-id">{r.razorpay_refund_id}</code>
              </>
            ) : r.status === 'pending' ? (
              'Razorpay is being asked…'
            ) : r.status === 'processed' ? (
              'Given back outside Razorpay (manual payment).'
            ) : (
              'Razorpay refused it: nothing was taken.'
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

type Mode = 'items' | 'amount';

/**
 * Staff refund some of an order's units, or an amount: each line's units left and paid
 * share, what the refund gives and what remains refundable. One Idempotency-Key per opening,
 * so a double click or a retry never refunds twice; the API's errors show by their field.
 */
export function RefundDialog({
  order,
  payments,
  onClose,
  onSaved,
}: {
  order: OrderDetailData;
  payments: AdminPayment[] | undefined;
  onClose: () => void;
  onSaved: (refund: Refund) => void;
}) {
  const toast = useToast();
  const [key] = useState(newIdempotencyKey);
  const [mode, setMode] = useState<Mode>('items');
  const [units, setUnits] = useState<Record<number, string>>({});
  const [amount, setAmount] = useState('');
  const [restock, setRestock] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);

  const lines = refundLines(order);
  const { captured, remaining } = refundable(order, payments);
  const chosen = lines
    .map((line) => ({ line, q: Number(units[line.item.id] ?? '0') }))
    .filter(({ q }) => q !== 0 || Number.isNaN(q));
  const unitErrors = new Map<number, string>();
  for (const { line, q } of chosen) {
    if (!Number.isInteger(q) || q < 0) unitErrors.set(line.item.id, 'A whole number of units.');
    else if (q > line.refundable) unitErrors.set(line.item.id, `At most ${line.refundable}.`);
  }
  const sharePaise = unitErrors.size
    ? 0
    : chosen.reduce((sum, { line, q }) => sum + lineShare(line, q), 0);
  const typedPaise = /^\d+(\.\d{1,2})?$/.test(amount.trim()) ? toPaise(amount.trim()) : null;
  const refundPaise = mode === 'items' ? sharePaise : typedPaise;
  const ready =
    reason.trim() !== '' &&
    (mode === 'items' ? chosen.length > 0 && unitErrors.size === 0 : amount.trim() !== '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (sending.current || !ready) return;
    sending.current = true;
    setBusy(true);
    setErrors({});
    setProblem(null);
    const body: RefundBody =
      mode === 'items'
        ? {
            items: chosen.map(({ line, q }) => ({ item_id: line.item.id, quantity: q })),
            reason: reason.trim(),
            restock,
          }
        : { amount: amount.trim(), reason: reason.trim() };
    try {
      const refund = await ok(
        shop.POST('/api/orders/{id}/refunds/', {
          params: { path: { id: order.id }, header: { 'idempotency-key': key } },
          body,
        }),
      );
      toast.ok(`Refund of ${money(refund.amount)} for ${order.order_number}: ${refund.status}.`);
      onSaved(refund);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      // A refusal of the whole refund (409: over what remains, units refunded meanwhile) says so above the form.
      if (Object.keys(fields).length === 0) setProblem(errorText(err));
      if (!(err instanceof ApiError && err.status === 400)) toast.error(err);
      sending.current = false;
      setBusy(false);
    }
  };

  // The API names the lines by their place in `items`: items.<i>.quantity.
  const lineErrors = (itemId: number): string[] => {
    const local = unitErrors.get(itemId);
    const i = chosen.findIndex(({ line }) => line.item.id === itemId);
    const api =
      i < 0
        ? []
        : [...(errors[`items.${i}.quantity`] ?? []), ...(errors[`items.${i}.item_id`] ?? [])];
    return [...(local ? [local] : []), ...api];
  };

  return (
    <Dialog title={`Refund ${order.order_number}`} onClose={onClose}>
      <form
        className="form refund-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        data-testid="refund-form"
      >
        {problem ? (
          <div className="form-error" role="alert" data-testid="refund-problem">
            {problem}
          </div>
        ) : null}
        <div className="segmented refund-mode" role="group" aria-label="Refund by">
          {(['items', 'amount'] as const).map((m) => (
            <button
              key={m}
              type="button"
              className={mode === m ? 'selected' : undefined}
              aria-pressed={mode === m}
              onClick={() => {
                setMode(m);
                setErrors({});
                setProblem(null);
              }}
            >
              {m === 'items' ? 'By items' : 'By amount'}
            </button>
          ))}
        </div>
        {mode === 'items' ? (
          <>
            <ul className="refund-lines" aria-label="Items">
              {lines.map((line) => (
                <li key={line.item.id} data-testid={`refund-line-${line.item.id}`}>
                  <div className="refund-line-name">{itemName(line.item)}</div>
                  <div className="muted small" data-testid="refund-line-facts">
                    Bought {line.item.quantity} · refunded {line.refundedUnits} · refundable{' '}
                    {line.refundable}
                  </div>
                  <div className="muted small" data-testid="refund-line-share">
                    {line.refundable > 0
                      ? `Paid ${money(fromPaise(lineShare(line, 1)))} a unit`
                      : 'Nothing left to refund'}
                    {Number(line.item.discount) > 0
                      ? ` (price ${money(line.item.price_at_purchase)}, after discount)`
                      : ''}
                  </div>
                  <Field label="Units to refund" errors={lineErrors(line.item.id)}>
                    {(p) => (
                      <input
                        {...p}
                        type="number"
                        inputMode="numeric"
                        min={0}
                        max={line.refundable}
                        step={1}
                        disabled={line.refundable === 0}
                        placeholder="0"
                        value={units[line.item.id] ?? ''}
                        onChange={(e) =>
                          setUnits((u) => ({ ...u, [line.item.id]: e.target.value }))
                        }
                      />
                    )}
                  </Field>
                </li>
              ))}
            </ul>
            {errors.items ? <div className="field-error">{errors.items.join(' ')}</div> : null}
            {errors.amount ? <div className="field-error">{errors.amount.join(' ')}</div> : null}
            <label className="check refund-restock">
              <input
                type="checkbox"
                checked={restock}
                onChange={(e) => setRestock(e.target.checked)}
              />
              Put the units back in stock
            </label>
          </>
        ) : (
          <Field
            label="Amount (₹)"
            errors={errors.amount}
            hint={`At most ${money(fromPaise(remaining))}: shipping, goodwill, a price difference.`}
          >
            {(p) => (
              <input
                {...p}
                inputMode="decimal"
                autoComplete="off"
                placeholder="0.00"
                value={amount}
                onChange={(e) => setAmount(e.target.value)}
              />
            )}
          </Field>
        )}
        <Field
          label="Reason"
          errors={errors.reason}
          hint="Kept with the refund and in the order’s history."
        >
          {(p) => (
            <input
              {...p}
              required
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          )}
        </Field>
        <dl className="refund-summary" data-testid="refund-summary">
          <dt>This refund</dt>
          <dd data-testid="refund-total">
            {refundPaise !== null && refundPaise > 0 ? money(fromPaise(refundPaise)) : '—'}
          </dd>
          <dt>Refundable now</dt>
          <dd data-testid="refund-remaining">
            {money(fromPaise(remaining))}{' '}
            <span className="muted small">of {money(fromPaise(captured))} paid</span>
          </dd>
          <dt>Left after it</dt>
          <dd
            data-testid="refund-left"
            className={refundPaise !== null && refundPaise > remaining ? 'danger' : undefined}
          >
            {refundPaise !== null && refundPaise > 0
              ? refundPaise > remaining
                ? `${money(fromPaise(refundPaise - remaining))} more than remains`
                : money(fromPaise(remaining - refundPaise))
              : '—'}
          </dd>
        </dl>
        <div className="actions">
          <button type="submit" disabled={busy || !ready}>
            {busy
              ? 'Refunding…'
              : refundPaise
                ? `Refund ${money(fromPaise(refundPaise))}`
                : 'Refund'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
