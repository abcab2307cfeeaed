import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/client.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { EmailPage, EmailPreview, EmailQuery, IdParams, problems, ref } from '../../contract/index.js';
import { type EmailRow, getEmail, listEmails } from './service.js';

function emailView(row: EmailRow) {
  return {
    id: row.id,
    to: row.to,
    template: row.template,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    last_error: row.lastError,
    event_id: row.eventId,
    created_at: row.createdAt.toISOString(),
    sent_at: row.sentAt?.toISOString() ?? null,
  };
}

/** Staff: the outgoing e-mails (sent, retrying, failed) and what each looks like. */
export const emailAdminRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, { database }) => {
  const tags = ['administration'];

  app.get(
    '/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Outgoing e-mails (paged), newest first',
        querystring: EmailQuery,
        response: { 200: ref(EmailPage), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await listEmails(database, params.pageSize, offsetOf(params));
      assertPageExists(params, count);
      return paged(request, params, count, rows.map(emailView));
    },
  );

  app.get(
    '/:id/preview/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'An e-mail as sent: subject, HTML and text',
        description: 'The HTML is a whole document; show it in a sandboxed iframe (`srcdoc`), never inline.',
        params: IdParams,
        response: { 200: ref(EmailPreview), ...problems(404) },
      },
    },
    async (request) => {
      const row = await getEmail(database, request.params.id);
      return { id: row.id, to: row.to, subject: row.subject, html: row.html, text: row.text };
    },
  );
};
