/**
 * The notifications module's public face: e-mails queued in a transaction (`queueEmail`),
 * sent by the `email-send` job, queued for events by `emailEventConsumer`, and listed for staff.
 */
export { emailEventConsumer } from './event-emails.js';
export { emailAdminRoutes } from './routes.js';
export { type MailDeps, type MailSettings, queueEmail, sendEmail } from './service.js';
export { fileMailer, smtpMailer } from './transport.js';
