import { Type } from 'typebox';
import { ORDER_STATUSES } from './enums.js';
import { Id, Money, param, ref } from './common.js';
import { OrderListItem } from './orders.js';

const money = (description: string) => ({ ...Money, description });

/** The parts of the revenue (which is Σ total_amount = subtotal − discount + shipping). */
function components(of: string) {
  return {
    total_discount: money(`Σ discount_total of ${of}: given away, already out of the revenue.`),
    total_shipping: money(`Σ shipping_total of ${of}: within the revenue.`),
    total_tax: money(`Σ tax_total of ${of}: within the revenue (prices include tax).`),
  };
}

export const Dashboard = Type.Object(
  {
    total_revenue: Money,
    total_refunded: {
      ...Money,
      description: 'Processed refunds of orders counted in total_revenue (paid, not refunded in full).',
    },
    net_revenue: { ...Money, description: 'total_revenue − total_refunded.' },
    total_orders: Type.Integer(),
    average_order_value: Money,
    ...components('paid orders'),
    orders_by_status: Type.Array(Type.Object({ status: Type.Enum([...ORDER_STATUSES]), count: Type.Integer() })),
    top_products: Type.Array(
      Type.Object({
        product_id: Id,
        product_name: Type.String(),
        total_sold: Type.Integer(),
        revenue: Money,
        variants: Type.Array(
          Type.Object({ variant_id: Id, sku: Type.String(), title: Type.String(), units: Type.Integer() }),
          {
            description:
              'The units sold of each of the product’s variants (paid orders, not refunded in full), most sold ' +
              'first; the variant’s current SKU and title.',
          },
        ),
      }),
    ),
    low_stock_products: Type.Array(
      Type.Object({ id: Id, name: Type.String(), stock: Type.Integer(), category_name: Type.String() }),
    ),
    recent_orders: Type.Array(ref(OrderListItem)),
    total_products: Type.Integer(),
    total_categories: Type.Integer(),
  },
  { $id: 'Dashboard' },
);

export const SalesReport = Type.Object(
  {
    period_days: Type.Integer(),
    start_date: Type.String({ format: 'date' }),
    end_date: Type.String({ format: 'date' }),
    total_orders: Type.Integer(),
    total_revenue: Money,
    average_order_value: Money,
    ...components('the period’s paid orders'),
    daily_breakdown: Type.Array(
      Type.Object({
        day: Type.String({ format: 'date' }),
        total: Money,
        count: Type.Integer(),
        discount: money('The discount within the day’s `total`.'),
        shipping: money('The shipping within the day’s `total`.'),
        tax: money('The tax (GST) within the day’s `total` (prices include tax).'),
      }),
    ),
  },
  { $id: 'SalesReport' },
);

export const ReportQuery = Type.Object({
  days: Type.Optional(
    param(Type.Integer({ minimum: 1, maximum: 366 }), 'The last this many days, ending today (default 30).', 7),
  ),
  start_date: Type.Optional(
    param(Type.String({ format: 'date' }), 'The first day, inclusive (with `end_date`).', '2026-01-01'),
  ),
  end_date: Type.Optional(
    param(Type.String({ format: 'date' }), 'The last day, inclusive (with `start_date`).', '2026-01-31'),
  ),
  tz: Type.Optional(
    param(
      Type.String({ minLength: 1, maxLength: 64 }),
      'The time zone days are counted in (default REPORT_TIMEZONE).',
      'Asia/Kolkata',
    ),
  ),
  format: Type.Optional(param(Type.Enum(['json', 'csv']), '`csv` answers text/csv with a header row.', 'csv')),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const analyticsSchemas = [Dashboard, SalesReport];
