import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { Dashboard, problems, ref, ReportQuery, SalesReport } from '../../contract/index.js';
import * as service from './service.js';

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
          response: { 200: ref(Dashboard) },
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
          response: { 200: ref(SalesReport), ...problems(400) },
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
