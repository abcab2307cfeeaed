import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per e-mail row, so that a receiver can tell a resend after a crash from a new message. */
  messageId: string;
}

/** Where messages go: an SMTP server, or .eml files. */
export interface Mailer {
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

/** SMTP_URL (`smtp://user:pass@host:587`, `smtps://…:465`): one pooled connection set per process. */
export function smtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url, {});
  return {
    async send(message) {
      await transport.sendMail(message);
    },
    close: () => transport.close(),
  };
}

/** Without SMTP_URL: each message is written to `<dir>/<time>-<id>.eml`, readable by any mail client. */
export function fileMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      await mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${message.messageId.replace(/[^\w.-]+/g, '_').slice(0, 80)}.eml`;
      await writeFile(join(dir, name), info.message as Buffer);
    },
    close: () => transport.close(),
  };
}
