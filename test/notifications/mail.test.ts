/**
 * E-mails through a real SMTP server (smtp-server, parsed with mailparser) and through the
 * file transport; retried while the server is down, sent exactly once; listed for staff.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { eventually, TestSmtpServer } from './smtp.js';

const MAIL_ENV = { JOBS: 'on', SHOP_NAME: 'Test Shop', SHOP_URL: 'https://shop.test', MAIL_FROM: 'Test Shop <hello@shop.test>' };

describe('e-mail over SMTP', () => {
  let smtp: TestSmtpServer;
  let ctx: TestContext;
  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    ctx = await buildTestApp({ ...MAIL_ENV, SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await ctx?.close();
    await smtp?.stop();
  });

  it('sends the welcome e-mail on registration, branded, with an HTML and a text part', async () => {
    const user = await makeUser(ctx, { first_name: 'Asha' });
    const [mail] = await smtp.waitFor(user.email);
    expect(mail!.subject).toBe('Welcome to Test Shop');
    expect(mail!.from?.value[0]).toMatchObject({ address: 'hello@shop.test', name: 'Test Shop' });
    expect(mail!.text).toContain('Hello Asha,');
    expect(mail!.text).toContain(user.username);
    expect(mail!.html).toContain('<table');
    expect(mail!.html).toContain('Welcome to Test Shop!');
    expect(mail!.html).toContain('href="https://shop.test"');
    expect(mail!.messageId).toMatch(/^<email-\d+-\d+@shop\.test>$/);

    // Listed for staff as sent, once, with its event; the preview is what was sent.
    const admin = await makeAdmin(ctx);
    const row = await eventually(async () => {
      const [r] = await ctx.database.db.select().from(emails).where(eq(emails.to, user.email));
      return r?.status === 'sent' ? r : null;
    });
    const list = await ctx.app.inject({ method: 'GET', url: '/api/admin/emails/?page_size=100', headers: bearer(admin.access) });
    expect(list.statusCode).toBe(200);
    const listed = list.json<{ results: Record<string, unknown>[] }>().results.find((e) => e.id === row.id);
    expect(listed).toEqual({
      id: row.id,
      to: user.email,
      template: 'welcome',
      subject: 'Welcome to Test Shop',
      status: 'sent',
      attempts: 1,
      last_error: null,
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created_at: expect.any(String),
      sent_at: expect.any(String),
    });
    const preview = await ctx.app.inject({ method: 'GET', url: `/api/admin/emails/${row.id}/preview/`, headers: bearer(admin.access) });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ id: row.id, subject: 'Welcome to Test Shop', html: mail!.html, text: mail!.text });
  });

  it('lists newest first, and keeps the list and preview to staff', async () => {
    const admin = await makeAdmin(ctx);
    const user = await makeUser(ctx);
    const list = await ctx.app.inject({ method: 'GET', url: '/api/admin/emails/', headers: bearer(admin.access) });
    const ids = list.json<{ results: { id: number }[] }>().results.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expectProblem(await ctx.app.inject({ method: 'GET', url: '/api/admin/emails/' }), 401, 'not_authenticated');
    expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/api/admin/emails/', headers: bearer(user.access) }),
      403,
      'permission_denied',
    );
    expectProblem(
      await ctx.app.inject({ method: 'GET', url: `/api/admin/emails/${ids[0]}/preview/`, headers: bearer(user.access) }),
      403,
      'permission_denied',
    );
    expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/api/admin/emails/2147483647/preview/', headers: bearer(admin.access) }),
      404,
      'not_found',
    );
    expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/api/admin/emails/?page=abc', headers: bearer(admin.access) }),
      400,
      'validation_error',
      'page',
    );
  });
});

describe('an SMTP outage', () => {
  it('is retried with backoff, and the message arrives exactly once when the server is back', async () => {
    const smtp = await new TestSmtpServer().start();
    await smtp.stop(); // the port is known; nothing listens on it now
    const ctx = await buildTestApp({ ...MAIL_ENV, SMTP_URL: smtp.url });
    try {
      const user = await makeUser(ctx);
      const failed = await eventually(async () => {
        const [r] = await ctx.database.db.select().from(emails).where(eq(emails.to, user.email));
        return r?.lastError ? r : null;
      });
      expect(failed).toMatchObject({ status: 'queued', attempts: 1 });
      await smtp.start();
      await smtp.waitFor(user.email, 1, 40_000);
      const sent = await eventually(async () => {
        const [r] = await ctx.database.db.select().from(emails).where(eq(emails.to, user.email));
        return r?.status === 'sent' ? r : null;
      });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      // Nothing more comes: the job is done.
      await new Promise((r) => setTimeout(r, 1500));
      expect(smtp.to(user.email)).toHaveLength(1);
    } finally {
      await ctx.close();
      await smtp.stop();
    }
  }, 90_000);
});

describe('the file transport', () => {
  it('writes each message as a parseable .eml to DATA_DIR/mail/', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'shop-mail-'));
    const ctx = await buildTestApp({ ...MAIL_ENV, DATA_DIR: dataDir });
    try {
      const email = `${unique('file_')}@example.com`;
      await makeUser(ctx, { email });
      const file = await eventually(async () => {
        const names = await readdir(join(dataDir, 'mail')).catch(() => []);
        return names.find((n) => n.endsWith('.eml'));
      });
      const mail = await simpleParser(await readFile(join(dataDir, 'mail', file)));
      expect(mail.subject).toBe('Welcome to Test Shop');
      expect((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address).toBe(email);
      expect(mail.text).toContain('Welcome to Test Shop!');
      expect(mail.html).toContain('Welcome to Test Shop!');
    } finally {
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
