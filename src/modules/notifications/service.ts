import { count, desc, eq, and, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Database, Executor } from '../../db/client.js';
import { emails } from '../../db/schema/index.js';
import { NotFound } from '../../http/errors.js';
import { EMAIL_SEND_ATTEMPTS, insertJobs } from '../jobs/index.js';
import type { TemplateContext } from './render.js';
import { type EmailTemplate, renderEmail } from './templates.js';
import type { Mailer } from './transport.js';

export type MailSettings = Config['mail'];

export interface MailDeps {
  database: Database;
  settings: MailSettings;
  mailer: Mailer;
  log: FastifyBaseLogger;
}

export type EmailRow = typeof emails.$inferSelect;

/**
 * Renders a message and queues it in the caller's transaction, with the job that sends it
 * (both exist exactly when the change commits). For an event, a message already queued for
 * the same event, template and recipient is not queued again: answers null.
 */
export async function queueEmail(
  tx: Executor,
  settings: MailSettings,
  input: { to: string; template: EmailTemplate; context: TemplateContext; eventId?: string },
): Promise<number | null> {
  const rendered = renderEmail(input.template, input.context, settings);
  const [row] = await tx
    .insert(emails)
    .values({ to: input.to, template: input.template, eventId: input.eventId ?? null, ...rendered })
    .onConflictDoNothing({ target: [emails.eventId, emails.template, emails.to] })
    .returning({ id: emails.id });
  if (!row) return null;
  await insertJobs(tx, 'email-send', [{ data: { emailId: row.id } }]);
  return row.id;
}

/**
 * The `email-send` job: sends a queued message once. A failure is recorded and thrown (the
 * queue retries with backoff) until the last attempt, which marks the message failed.
 */
export async function sendEmail(deps: MailDeps, emailId: number): Promise<void> {
  const { db } = deps.database;
  // The attempt is counted before sending, so that a crash mid-send still counts.
  const [row] = await db
    .update(emails)
    .set({ attempts: sql`${emails.attempts} + 1` })
    .where(and(eq(emails.id, emailId), eq(emails.status, 'queued')))
    .returning();
  if (!row) return; // sent or failed already (a retry after the outcome was recorded)
  try {
    await deps.mailer.send({
      from: deps.settings.from,
      to: row.to,
      subject: row.subject,
      html: row.html,
      text: row.text,
      messageId: `<email-${row.id}-${row.createdAt.getTime()}@${messageIdDomain(deps.settings.from)}>`,
    });
  } catch (err) {
    const failed = row.attempts >= EMAIL_SEND_ATTEMPTS;
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
    await db
      .update(emails)
      .set({ lastError: message, status: failed ? 'failed' : 'queued' })
      .where(eq(emails.id, emailId));
    if (!failed) throw err;
    deps.log.error({ err, emailId, attempts: row.attempts }, 'e-mail failed for good');
    return;
  }
  await db.update(emails).set({ status: 'sent', sentAt: new Date() }).where(eq(emails.id, emailId));
}

function messageIdDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

/** The outgoing messages, newest first. */
export async function listEmails(
  database: Database,
  limit: number,
  offset: number,
): Promise<{ rows: EmailRow[]; count: number }> {
  const { db } = database;
  const [rows, [total]] = await Promise.all([
    db.select().from(emails).orderBy(desc(emails.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(emails),
  ]);
  return { rows, count: total?.n ?? 0 };
}

export async function getEmail(database: Database, id: number): Promise<EmailRow> {
  const [row] = await database.db.select().from(emails).where(eq(emails.id, id));
  if (!row) throw new NotFound('No such e-mail.');
  return row;
}
