import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails } from '../../src/db/schema/events.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeAdmin, makeUser, PASSWORD, type TestUser } from '../helpers/factories.js';
import { Receiver } from '../webhooks/receiver.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-notifications-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let admin: TestUser;
let receiver: Receiver;
/** The page's uncaught errors and console errors (a 4xx the page handles is not one). */
const errors: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A TCP port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!hasChromium)('admin e-mails and outgoing webhooks in headless Chromium', () => {
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Jobs run (e-mails are written as files under DATA_DIR/mail; webhooks are POSTed to a
    // receiver on 127.0.0.1, which WEBHOOK_ALLOW_PRIVATE allows).
    ctx = await buildTestApp({ PUBLIC_URL: base, JOBS: 'on', WEBHOOK_ALLOW_PRIVATE: 'true' });
    // No automatic retry within the test: the Retry button is what sends again.
    Object.assign(ctx.services.webhooks, { retryDelaysMs: [3_600_000], timeoutMs: 3_000 });
    await ctx.app.listen({ port, host: '127.0.0.1' });
    receiver = await new Receiver().start();
    admin = await makeAdmin(ctx);
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // The secret's Copy button writes to the clipboard, which the test reads back.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('status of 4')) errors.push(msg.text());
    });
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await receiver?.stop();
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
  });

  it('lists the sent welcome e-mail and previews its HTML (sandboxed) and its text', async () => {
    const shopper = await makeUser(ctx, { first_name: 'Asha' });
    await page.getByRole('link', { name: 'E-mails' }).click();
    await page.getByRole('heading', { level: 1, name: 'E-mails' }).waitFor();
    const row = page.getByTestId('emails-table').locator('tbody tr', { hasText: shopper.email });
    // The job sends it in the background: refresh until it is sent.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await row.count()) ? row.locator('.badge').textContent() : null;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('sent');
    expect(await row.getByTestId('email-attempts').textContent()).toBe('1 attempt');
    expect(await row.getByTestId('email-error').count()).toBe(0);

    // A message that failed after its last attempt: red, with its last error.
    await ctx.database.db.insert(emails).values({
      to: 'nobody@example.com',
      template: 'password_reset',
      subject: 'Reset your password',
      html: '<p>Reset</p>',
      text: 'Reset',
      status: 'failed',
      attempts: 5,
      lastError: '550 mailbox unavailable',
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const failedRow = page
      .getByTestId('emails-table')
      .locator('tbody tr', { hasText: 'nobody@example.com' });
    await failedRow.waitFor();
    expect(await failedRow.locator('.badge').textContent()).toBe('failed');
    expect(await failedRow.getByTestId('email-attempts').textContent()).toBe('5 attempts');
    const lastError = failedRow.getByTestId('email-error');
    expect(await lastError.textContent()).toBe('550 mailbox unavailable');
    expect(await lastError.getAttribute('class')).toContain('danger');
    await shot('00-emails');

    await row.getByRole('button').click();
    const preview = page.getByTestId('email-preview');
    await preview.getByText(shopper.email).waitFor();
    const frame = preview.locator('iframe');
    // An iframe with no permissions at all, its document the e-mail's HTML.
    expect(await frame.getAttribute('sandbox')).toBe('');
    expect(await frame.getAttribute('srcdoc')).toContain('Asha');
    // The CSP lets it render: the framed document has the e-mail's text.
    const body = page.frameLocator('[data-testid="email-preview"] iframe').locator('body');
    await expect.poll(() => body.textContent(), { timeout: 5_000 }).toContain('Asha');
    // The framed document is there; give the compositor a moment to paint it for the screenshot.
    await page.waitForTimeout(500);
    await shot('01-email-preview-html');

    await preview.getByRole('tab', { name: 'Text' }).click();
    expect(await preview.getByRole('tab', { name: 'Text' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(await preview.getByTestId('email-text').textContent()).toContain('Asha');
    expect(await preview.locator('iframe').count()).toBe(0);
    await shot('02-email-preview-text');
    await preview.getByRole('button', { name: 'Close preview' }).click();
    expect(await page.getByTestId('email-preview').count()).toBe(0);
  });

  it('creates an endpoint (secret shown once), shows a failed delivery, retries it to success and disables it', async () => {
    const path = `/${unique('hook')}`;
    const url = receiver.on(path, { status: 500, body: 'receiver is down' });
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    const form = page.getByRole('form', { name: 'New webhook endpoint' });

    // No event type, then a bad URL: the API's 400 messages are shown at their fields (the
    // URL is checked once the body has the contract's shape).
    const urlInput = form.getByLabel('URL');
    await urlInput.fill('ftp://nowhere');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const typesMessage = form.locator('fieldset.field-invalid .field-error');
    await typesMessage.waitFor();
    expect((await typesMessage.textContent())?.length).toBeGreaterThan(0);
    await form.getByRole('checkbox', { name: 'customer.created' }).check();
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => urlInput.getAttribute('aria-invalid')).toBe('true');
    expect(await typesMessage.count()).toBe(0);
    const urlMessage = form.locator('.field.field-invalid .field-error');
    expect((await urlMessage.textContent())?.length).toBeGreaterThan(0);
    await shot('03-webhook-bad-url');

    await urlInput.fill(url);
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = page.getByTestId('endpoint-secret');
    await secret.waitFor();
    expect(await secret.locator('#endpoint-secret').textContent()).toMatch(/^whsec_/);
    await secret.getByText('you will not see it again').waitFor();
    const secretText = await secret.locator('#endpoint-secret').textContent();
    await secret.getByRole('button', { name: 'Copy' }).click();
    await secret.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secretText);
    expect(await urlInput.getAttribute('aria-invalid')).toBe('false');
    await shot('04-webhook-secret');
    await secret.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.getByTestId('endpoint-secret').count()).toBe(0);
    // Never again: not in the list, not after a reload.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    const endpointRow = page.getByTestId('endpoints-table').locator('tbody tr', { hasText: url });
    await endpointRow.waitFor();
    expect(await page.locator('body').textContent()).not.toContain('whsec_');
    expect(await endpointRow.textContent()).toContain('customer.created');
    expect(await endpointRow.getByRole('checkbox', { name: `Active: ${url}` }).isChecked()).toBe(
      true,
    );

    // An event: another customer registers; the receiver answers 500.
    await makeUser(ctx);
    await endpointRow.getByRole('button', { name: 'Deliveries' }).click();
    const deliveries = page.getByTestId('deliveries');
    const failed = deliveries.locator('tbody tr[data-status="failed"]');
    await expect
      .poll(
        async () => {
          await deliveries.getByRole('button', { name: 'Refresh' }).click();
          return failed.count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    expect(await failed.textContent()).toContain('500');
    expect(await failed.textContent()).toContain('receiver is down');
    expect(await failed.textContent()).toContain('customer.created');
    await page.getByRole('button', { name: 'Refresh' }).first().click();
    await expect.poll(() => endpointRow.locator('.badge-failed').count()).toBe(1);
    // The automatic retry is scheduled (attempt 2, pending); Retry need not wait for it.
    expect(
      await deliveries.locator('tbody tr[data-status="pending"]').getAttribute('data-attempt'),
    ).toBe('2');
    await shot('05-webhook-failed-delivery');

    // The receiver comes back; Retry sends the event again, and it succeeds.
    receiver.on(path, { status: 200, body: 'ok' });
    await failed.getByRole('button', { name: 'Retry' }).click();
    const succeeded = deliveries.locator('tbody tr[data-status="succeeded"]');
    await expect
      .poll(
        async () => {
          await deliveries.getByRole('button', { name: 'Refresh' }).click();
          return succeeded.count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    expect(await succeeded.textContent()).toContain('200');
    expect(await succeeded.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    // Retry made the planned attempt 2 now (the schedule had it an hour on): it is not sent again later.
    expect(await succeeded.getAttribute('data-attempt')).toBe('2');
    expect(await deliveries.locator('tbody tr[data-status="pending"]').count()).toBe(0);
    // The failed first attempt stays in the history, with no Retry now that a later one succeeded.
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await failed.textContent()).toContain('Attempt 2 succeeded since');
    expect(receiver.requestsTo(path).length).toBe(2);
    await page.getByRole('button', { name: 'Refresh' }).first().click();
    await expect.poll(() => endpointRow.locator('.badge-failed').count()).toBe(0);
    await shot('06-webhook-retried');

    // Disabled: the API says so too.
    // A controlled switch: it flips when the API has answered and the list is read again.
    await endpointRow.getByRole('checkbox', { name: `Active: ${url}` }).click();
    await expect
      .poll(() => endpointRow.getByRole('checkbox', { name: `Active: ${url}` }).isChecked())
      .toBe(false);
    const id = Number(await endpointRow.getAttribute('data-endpoint-id'));
    const res = await ctx.app.inject({
      url: `/api/admin/webhook-endpoints/${id}/`,
      headers: { authorization: `Bearer ${admin.access}` },
    });
    expect(res.json()).toMatchObject({ is_active: false });
    // No Retry while it is off (the API would refuse it).
    await deliveries.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => failed.textContent()).toContain('Endpoint off');
    await shot('07-webhook-disabled');

    // Deleted after the confirm.
    await endpointRow.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => endpointRow.count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
