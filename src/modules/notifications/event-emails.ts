import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { orderItems, orders, users } from '../../db/schema/index.js';
import type { EventConsumer, EventData, StoredEvent } from '../events/index.js';
import type { TemplateContext } from './render.js';
import { type MailDeps, queueEmail } from './service.js';
import type { EmailTemplate } from './templates.js';

/*
 * What each event e-mails, and the facts the message needs. These reads are the e-mails'
 * read model of users and orders (one query each, at dispatch time): an event carries ids.
 */

interface Recipient {
  email: string;
  name: string;
  username: string;
}

async function customer(ex: Executor, id: number): Promise<Recipient | undefined> {
  const [user] = await ex
    .select({ email: users.email, firstName: users.firstName, username: users.username, isActive: users.isActive })
    .from(users)
    .where(eq(users.id, id));
  if (!user?.isActive) return undefined;
  return { email: user.email, name: user.firstName || user.username, username: user.username };
}

async function orderFacts(
  ex: Executor,
  shopUrl: string,
  orderId: number,
): Promise<{ to: Recipient; context: TemplateContext } | undefined> {
  const [order] = await ex
    .select({
      id: orders.id,
      number: orders.orderNumber,
      total: orders.totalAmount,
      status: orders.status,
      shippingAddress: orders.shippingAddress,
      userId: orders.userId,
    })
    .from(orders)
    .where(eq(orders.id, orderId));
  const to = order && (await customer(ex, order.userId));
  if (!order || !to) return undefined;
  const items = await ex
    .select({
      name: orderItems.productName,
      variant: orderItems.variantTitle,
      quantity: orderItems.quantity,
      price: orderItems.priceAtPurchase,
    })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .orderBy(asc(orderItems.id));
  return {
    to,
    context: {
      name: to.name,
      username: to.username,
      order: { id: order.id, number: order.number, total: order.total, status: order.status, shipping_address: order.shippingAddress },
      order_url: `${shopUrl}/orders/${order.id}`,
      items: items.map((i) => ({
        name: i.name,
        variant: i.variant === 'Default' ? '' : i.variant,
        quantity: i.quantity,
        line_total: lineTotal(i.price, i.quantity),
      })),
    },
  };
}

/** price × quantity in paise, exactly (price is numeric(12,2) text). */
function lineTotal(price: string, quantity: number): string {
  const [rupees = '0', paise = ''] = price.split('.');
  const total = (BigInt(rupees) * 100n + BigInt(paise.padEnd(2, '0').slice(0, 2))) * BigInt(quantity);
  return `${total / 100n}.${String(total % 100n).padStart(2, '0')}`;
}

const ORDER_TEMPLATES: Partial<Record<StoredEvent['type'], EmailTemplate>> = {
  'order.placed': 'order_confirmation',
  'order.paid': 'payment_received',
  'order.shipped': 'order_shipped',
  'order.cancelled': 'order_cancelled',
  'order.refunded': 'order_refunded',
};

/** Facts of the event itself that the order's e-mail shows (tracking, refund amount, reason). */
function eventFacts(event: StoredEvent): TemplateContext {
  if (event.type === 'order.shipped') {
    const d = event.data as EventData['order.shipped'];
    return { tracking_number: d.tracking_number ?? '', carrier: d.carrier ?? '', tracking_url: d.tracking_url ?? '' };
  }
  if (event.type === 'order.refunded') return { refund_amount: (event.data as EventData['order.refunded']).amount };
  if (event.type === 'order.cancelled') return { reason: (event.data as EventData['order.cancelled']).reason ?? '' };
  return {};
}

/** The e-mail consumer of events: queues each event's messages, once per event, template and recipient. */
export function emailEventConsumer(deps: MailDeps): EventConsumer {
  return async (event) => {
    const { db } = deps.database;
    if (event.type === 'customer.created') {
      const to = await customer(db, (event.data as EventData['customer.created']).customer_id);
      if (!to) return;
      const context = { name: to.name, username: to.username };
      await db.transaction((tx) =>
        queueEmail(tx, deps.settings, { to: to.email, template: 'welcome', context, eventId: event.id }),
      );
      return;
    }
    const template = ORDER_TEMPLATES[event.type];
    if (!template) return; // order.delivered, product.out_of_stock: no e-mail (webhooks only)
    const facts = await orderFacts(db, deps.settings.shopUrl, (event.data as { order_id: number }).order_id);
    if (!facts) return; // a guest's or deleted order, or an inactive customer
    await db.transaction((tx) =>
      queueEmail(tx, deps.settings, {
        to: facts.to.email,
        template,
        context: { ...facts.context, ...eventFacts(event) },
        eventId: event.id,
      }),
    );
  };
}
