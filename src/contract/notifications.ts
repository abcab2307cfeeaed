import { Type } from 'typebox';
import { Id, Nullable, Page, PageQuery, ref, Timestamp } from './common.js';

const EMAIL_STATUSES = ['queued', 'sent', 'failed'] as const;

/**
 * An outgoing e-mail as staff see it (`/api/admin/emails/`).
 * @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others.
 */
export const Email = Type.Object(
  {
    id: Id,
    to: Type.String(),
    template: Type.String({ description: 'welcome, order_confirmation, payment_received, order_shipped, order_cancelled, order_refunded, password_changed or password_reset.' }),
    subject: Type.String(),
    status: Type.Enum([...EMAIL_STATUSES], { description: 'queued (waiting or retrying), sent, or failed after its last attempt.' }),
    attempts: Type.Integer({ minimum: 0 }),
    last_error: Nullable(Type.String()),
    event_id: Nullable(Type.String({ format: 'uuid' })),
    created_at: Timestamp,
    sent_at: Nullable(Timestamp),
  },
  { $id: 'Email' },
);
export const EmailPage = Page('EmailPage', ref(Email));
export const EmailQuery = Type.Object({ ...PageQuery });

/** What the message looks like: the subject and both parts, as sent. */
export const EmailPreview = Type.Object(
  { id: Id, to: Type.String(), subject: Type.String(), html: Type.String(), text: Type.String() },
  { $id: 'EmailPreview' },
);

/** The schemas of this file that have a name (`$id`), for registration. */
export const notificationSchemas = [Email, EmailPage, EmailPreview];
