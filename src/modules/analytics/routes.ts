import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { ORDER_STATUSES } from '../../db/schema/orders.js';
import { Id, Money, problems } from '../../http/schemas.js';
import * as service from './service.js';

const Dashboard = Type.Object({
  total_revenue: Money,
  total_orders: Type.Integer(),
  average_order_value: Money,
  orders_by_status: Type.Array(Type.Object({ status: Type.Enum([...ORDER_STATUSES]), count: Type.Integer() })),
  top_products: Type.Array(
    Type.Object({ product_id: Id, product_name: Type.String(), total_sold: Type.Integer(), revenue: Money }),
  ),
  low_stock_products: Type.Array(
    Type.Object({ id: Id, name: Type.String(), stock: Type.Integer(), category_name: Type.String() }),
  ),
  recent_orders: Type.Array(Type.Ref('OrderListItem')),
  total_products: Type.Integer(),
  total_categories: Type.Integer(),
});

const SalesReport = Type.Object({
  period_days: Type.Integer(),
  start_date: Type.String({ format: 'date' }),
  end_date: Type.String({ format: 'date' }),
  total_orders: Type.Integer(),
  total_revenue: Money,
  average_order_value: Money,
  daily_breakdown: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), total: Money, count: Type.Integer() })),
});

const ReportQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
  start_date: Type.Optional(Type.String({ format: 'date' })),
  end_date: Type.Optional(Type.String({ format: 'date' })),
  tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  format: Type.Optional(Type.Enum(['json', 'csv'])),
});

export const analyticsRoutes: FastifyPluginAsyncTypebox<{ database: Database; config: Config }> = async (
  app,
  { database, config },
) => {
  const tags = ['analytics'];
  for (const url of ['/api/analytics/dashboard/', '/api/products/analytics/']) {
    app.get(
      url,
      {
        config: { auth: 'admin' },
        schema: {
          tags,
          summary: url.includes('products') ? 'Dashboard (alias)' : 'Dashboard figures',
          description: 'Revenue counts orders whose payment succeeded (refunded ones excluded).',
          response: { 200: Dashboard },
        },
      },
      async () => service.dashboard(database, config.lowStockThreshold),
    );
  }
  for (const url of ['/api/analytics/sales-report/', '/api/orders/sales_report/']) {
    app.get(
      url,
      {
        config: { auth: 'admin' },
        schema: {
          tags,
          summary: url.includes('orders') ? 'Sales report (alias)' : 'Paid orders and revenue per day',
          description:
            '`days` (1–366, default 30, ending today) or `start_date` and `end_date` (inclusive, at most 366 days, ' +
            `between ${service.FIRST_REPORT_DAY} and ${service.LAST_REPORT_DAY}), ` +
            `days counted in \`tz\` (a time zone name PostgreSQL knows; default REPORT_TIMEZONE). Every day of the period is listed, zero days too. ` +
            '`format=csv` answers text/csv with a header row.',
          querystring: ReportQuery,
          response: { 200: SalesReport, ...problems(400) },
        },
      },
      async (request, reply) => {
        const tz = await service.reportTimeZone(database, request.query.tz ?? config.reportTimezone);
        const period = service.reportPeriod(request.query, tz);
        const report = await service.salesReport(database, period);
        if (request.query.format !== 'csv') return report;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="sales-report-${period.start}-to-${period.end}.csv"`)
          .serializer((payload) => payload as string)
          .send(service.reportCsv(report) as never);
      },
    );
  }
};
