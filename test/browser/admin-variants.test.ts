import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeProduct, makeShop, makeUser, PASSWORD, type Shop, type TestUser } from '../helpers/factories.js';
import type { Schemas } from '../helpers/client.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory (printed). */
const ARTIFACTS = join(tmpdir(), 'shop-admin-variants-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let admin: TestUser;
let shop: Shop;
let product: Schemas['ProductDetail'];
let files: string;
/** The upload limit of this file's app: small, so that a test image can pass it. */
const MAX_BYTES = 400_000;

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A solid-colour PNG of the given size, as sharp makes it. */
function png(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
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

async function detail(): Promise<Schemas['ProductDetail']> {
  const res = await ctx.app.inject({ url: `/api/products/${product.id}/`, headers: bearer(admin.access) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The variant rows of the grid, in the order the API gives them. */
const variantRows = () => page.getByTestId('variants-table').locator('tbody tr');
const cellInput = (row: Locator, label: string) => row.getByLabel(new RegExp(`^${label} of `));

describe.skipIf(!hasChromium)('admin product editor: images, options and variants in headless Chromium', () => {
  beforeAll(async () => {
    files = await mkdtemp(join(tmpdir(), 'admin-variants-'));
    // Uploaded images are stored on local disk under DATA_DIR/media and served at /media/;
    // their URLs are built from PUBLIC_URL, so the app listens where PUBLIC_URL says.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A database of its own: the dashboard's low-stock list is shop-wide.
    ctx = await buildTestApp({ DATA_DIR: files, PUBLIC_URL: base, MEDIA_MAX_BYTES: String(MAX_BYTES) }, { isolated: true });
    await ctx.app.listen({ port, host: '127.0.0.1' });
    admin = await makeAdmin(ctx);
    shop = await makeShop(ctx, admin);
    product = await makeProduct(shop, { name: unique('Trail shirt '), price: '799.00', stock: 12 });
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('uploads images by the file picker and by a drop, sets alt text and reorders them', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('status of 4')) errors.push(msg.text());
    });
    await page.goto(`${base}/admin/products/${product.id}`);
    await page.getByRole('heading', { level: 1, name: 'Edit product' }).waitFor();
    const cards = page.getByRole('list', { name: 'Product images' }).locator('li[data-image-id]');
    expect(await cards.count()).toBe(0);

    // The file picker. The server is made slow to answer, to see the upload in progress: its
    // preview and its busy state.
    const red = join(files, 'red.png');
    await writeFile(red, await png(900, 600, '#d22'));
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`${base}/api/products/${product.id}/images/`, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Upload images').setInputFiles(red);
    const uploading = page.getByTestId('image-upload');
    await expect.poll(() => uploading.locator('img').getAttribute('alt')).toBe('Preview of red.png');
    expect(await uploading.getAttribute('aria-busy')).toBe('true');
    await uploading.getByRole('progressbar', { name: 'Uploading red.png' }).waitFor();
    await shot('00-image-uploading');
    release();
    await expect.poll(() => cards.count()).toBe(1);
    await page.unroute(`${base}/api/products/${product.id}/images/`);

    // A drop of a file on the drop zone, as a desktop drag would deliver it.
    const blue = (await png(400, 800, '#23c')).toString('base64');
    const transfer = await page.evaluateHandle(
      `(() => { const bytes = Uint8Array.from(atob("${blue}"), (c) => c.charCodeAt(0));
        const dt = new DataTransfer(); dt.items.add(new File([bytes], "blue.png", { type: "image/png" })); return dt; })()`,
    );
    const zone = page.getByTestId('image-dropzone');
    await zone.dispatchEvent('dragover', { dataTransfer: transfer });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => cards.count()).toBe(2);
    expect(await page.getByTestId('image-upload').count()).toBe(0); // nothing pending or failed

    // The thumbnails are the API's 200 px WebP files, loaded from /media/.
    const [first, second] = (await detail()).images;
    expect(await cards.nth(0).locator('img').getAttribute('src')).toBe(first!.sizes.thumb);
    await expect
      .poll(() => page.evaluate<number>(`document.querySelectorAll("li[data-image-id] img")[1].naturalWidth`))
      .toBe(100); // 400×800 → 100×200
    expect([first!.width, second!.width]).toEqual([900, 400]);

    // Alt text.
    await page.getByLabel('Alt text of image 1').fill('Red shirt, front');
    await cards.nth(0).getByRole('button', { name: 'Save' }).click();
    await page.locator('.toast-ok', { hasText: 'Alt text of image 1 saved' }).waitFor();
    expect((await detail()).images.find((i) => i.id === first!.id)?.alt).toBe('Red shirt, front');

    // Reorder: the blue one first.
    await page.getByRole('button', { name: 'Move image 2 earlier' }).click();
    await expect.poll(async () => (await detail()).images.map((i) => i.id)).toEqual([second!.id, first!.id]);
    await expect.poll(() => cards.nth(0).getAttribute('data-image-id')).toBe(String(second!.id));
    await expect.poll(() => page.getByLabel('Alt text of image 2').inputValue()).toBe('Red shirt, front');
    // And back by dragging the first card onto the second.
    await cards.nth(0).dragTo(cards.nth(1));
    await expect.poll(async () => (await detail()).images.map((i) => i.id)).toEqual([first!.id, second!.id]);
    await expect.poll(() => cards.nth(0).getAttribute('data-image-id')).toBe(String(first!.id));
    await page.getByRole('button', { name: 'Move image 1 later' }).click();
    await expect.poll(async () => (await detail()).images.map((i) => i.id)).toEqual([second!.id, first!.id]);
    await expect.poll(() => cards.nth(0).getAttribute('data-image-id')).toBe(String(second!.id));
    await shot('01-images');

    // A file that is not an image: the API's 400 is shown on its card.
    const text = join(files, 'notes.png');
    await writeFile(text, 'not an image at all');
    await page.getByLabel('Upload images').setInputFiles(text);
    const failed = page.getByTestId('image-upload');
    await failed.getByRole('alert').waitFor();
    expect(await failed.getByRole('alert').textContent()).toMatch(/\S/);
    await shot('02-image-refused');
    await failed.getByRole('button', { name: 'Dismiss' }).click();
    expect(await cards.count()).toBe(2);

    // Past MEDIA_MAX_BYTES: the 413's detail (noise does not compress).
    const noisy = join(files, 'noise.png');
    const noise = Buffer.alloc(500 * 500 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await writeFile(noisy, await sharp(noise, { raw: { width: 500, height: 500, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
    await page.getByLabel('Upload images').setInputFiles(noisy);
    await failed.getByRole('alert').waitFor();
    expect(await failed.getByRole('alert').textContent()).toMatch(/large|bytes|MiB|MB/i);
    await shot('02b-image-too-large');
    await failed.getByRole('button', { name: 'Dismiss' }).click();
    expect(await cards.count()).toBe(2);

    // The list shows the first image's thumbnail.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Products', exact: true }).click();
    const row = page.getByTestId('products-table').getByRole('row', { name: new RegExp(product.name) });
    await expect.poll(() => row.locator('img.thumb').getAttribute('src')).toBe(second!.sizes.thumb);
    await shot('02c-product-list');
    expect(errors).toEqual([]);
  });

  it('sets options, generates every combination, edits the grid in one save and shows per-cell errors', async () => {
    await page.goto(`${base}/admin/products/${product.id}`);
    await page.getByRole('heading', { level: 1, name: 'Edit product' }).waitFor();
    // The heading shows before the variants have loaded: poll, as for the grid below.
    await expect.poll(() => variantRows().count()).toBe(1);

    await page.getByRole('button', { name: 'Add option' }).click();
    await page.getByLabel('Option 1 name').fill('Size');
    const sizes = page.getByLabel('Size values');
    await sizes.fill('S');
    await sizes.press('Enter');
    await sizes.fill('M');
    await sizes.press('Enter');
    await page.getByRole('button', { name: 'Add option' }).click();
    await page.getByLabel('Option 2 name').fill('Colour');
    await page.getByLabel('Colour values').fill('Red, Blue');
    await page.getByLabel('Colour values').press('Enter');
    expect(await page.getByTestId('option-1').locator('.chip').allTextContents()).toEqual(['Red×', 'Blue×']);
    await shot('03-options');
    await page.getByRole('button', { name: /^Generate variants/ }).click();
    await expect.poll(() => variantRows().count()).toBe(4);
    const generated = await detail();
    expect(generated.options).toEqual([
      { name: 'Size', values: ['S', 'M'] },
      { name: 'Colour', values: ['Red', 'Blue'] },
    ]);
    expect(generated.variants.map((v) => `${v.options.Size}/${v.options.Colour}`).sort()).toEqual(['M/Blue', 'M/Red', 'S/Blue', 'S/Red']);
    // Everything exists now: nothing left to generate.
    expect(await page.getByRole('button', { name: /^Generate variants/ }).isDisabled()).toBe(true);

    // Every row's SKU, price and stock, saved in one request.
    const stem = unique('TS').toUpperCase();
    const wanted = generated.variants.map((v, i) => ({ id: v.id, sku: `${stem}-${i + 1}`, price: `${900 + i * 10}.00`, stock: 5 + i }));
    const patches: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'PATCH' && req.url().includes(`/api/products/${product.id}/variants`)) patches.push(req.url());
    });
    for (const [i, w] of wanted.entries()) {
      const row = variantRows().nth(i);
      expect(await row.getAttribute('data-variant-id')).toBe(String(w.id));
      await cellInput(row, 'SKU').fill(w.sku);
      await cellInput(row, 'Price').fill(w.price);
      await cellInput(row, 'Stock').fill(String(w.stock));
    }
    await cellInput(variantRows().nth(0), 'Weight').fill('180');
    await variantRows().nth(0).getByLabel(/^Image of /).selectOption({ label: 'Image 2 · Red shirt, front' });
    await page.getByRole('button', { name: 'Save variants' }).click();
    await page.locator('.toast-ok', { hasText: 'Saved 4 variants' }).waitFor();
    expect(patches).toHaveLength(1);
    await page.reload();
    await expect.poll(() => variantRows().count()).toBe(4);
    for (const [i, w] of wanted.entries()) {
      const row = variantRows().nth(i);
      expect(await cellInput(row, 'SKU').inputValue()).toBe(w.sku);
      expect(await cellInput(row, 'Price').inputValue()).toBe(w.price);
      expect(await cellInput(row, 'Stock').inputValue()).toBe(String(w.stock));
    }
    const saved = await detail();
    expect(saved.variants.find((v) => v.id === wanted[0]!.id)).toMatchObject({ weight_grams: 180, image_id: saved.images[1]!.id });
    expect(saved.stock).toBe(5 + 6 + 7 + 8);
    expect([saved.price_min, saved.price_max]).toEqual(['900.00', '930.00']);
    await shot('04-variants-saved');

    // A duplicate SKU: the cell says so, and nothing is saved.
    await cellInput(variantRows().nth(1), 'SKU').fill(wanted[0]!.sku.toLowerCase());
    await cellInput(variantRows().nth(2), 'Stock').fill('99');
    await page.getByRole('button', { name: 'Save variants' }).click();
    const skuCell = variantRows().nth(1).locator('td[data-cell="sku"]');
    await expect.poll(() => skuCell.locator('.field-error').textContent()).toMatch(/already used/i);
    expect(await cellInput(variantRows().nth(1), 'SKU').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('variants-error').textContent()).toContain('Nothing was saved');
    expect((await detail()).variants.find((v) => v.id === wanted[2]!.id)?.stock).toBe(7);
    // A stock that is not a number is caught before the request.
    await cellInput(variantRows().nth(3), 'Stock').fill('lots');
    await page.getByRole('button', { name: 'Save variants' }).click();
    await expect
      .poll(() => variantRows().nth(3).locator('td[data-cell="stock"] .field-error').textContent())
      .toContain('whole number');
    await shot('05-variants-duplicate-sku');
  });

  it('shows the API’s 409 when an option value that a variant uses is removed', async () => {
    await page.reload();
    await page.getByTestId('product-options').waitFor();
    await page.getByRole('button', { name: 'Remove Size value M' }).click();
    await page.getByRole('button', { name: 'Save options' }).click();
    const alert = page.getByTestId('options-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('M');
    expect((await detail()).options[0]).toEqual({ name: 'Size', values: ['S', 'M'] });
    await shot('06-options-409');
    // On a tablet the grid scrolls sideways inside its card; the options stack.
    await page.setViewportSize({ width: 768, height: 1024 });
    await shot('06b-tablet');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBe(768); // nothing sticks out
    await page.setViewportSize({ width: 1366, height: 768 });

    // A third option named like the first: the API's message sits under its name.
    await page.reload();
    await page.getByRole('button', { name: 'Add option' }).click();
    await page.getByLabel('Option 3 name').fill('size');
    await page.getByLabel('size values', { exact: true }).fill('XL');
    await page.getByRole('button', { name: 'Save options' }).click();
    await expect.poll(() => page.getByTestId('option-2').locator('.option-name .field-error').textContent()).toContain('given twice');
    expect(await page.getByLabel('Option 3 name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Add option' }).isDisabled()).toBe(true); // three at most
    await shot('06c-option-name-twice');
  });

  it('shows each order item’s SKU and variant, and low stock by variant', async () => {
    const shopper = await makeUser(ctx);
    const variant = (await detail()).variants.find((v) => v.options.Size === 'M' && v.options.Colour === 'Blue')!;
    const added = await ctx.app.inject({
      method: 'POST',
      url: '/api/cart/add/',
      headers: bearer(shopper.access),
      payload: { variant_id: variant.id, quantity: 2 },
    });
    expect(added.statusCode, added.body).toBe(200);
    const placed = await ctx.app.inject({
      method: 'POST',
      url: '/api/orders/create_order/',
      headers: bearer(shopper.access),
      payload: { shipping_address: '1 Test Street, Pune' },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const order = placed.json<Schemas['OrderDetail']>();
    await page.goto(`${base}/admin/orders/${order.id}`);
    await page.getByTestId('order-number').waitFor();
    expect(await page.getByTestId('item-sku').allTextContents()).toEqual([variant.sku]);
    expect(await page.getByTestId('item-variant').allTextContents()).toEqual([variant.title]);
    await shot('07-order-items');

    // S / Red has 5 in stock, below the threshold of 10; M / Blue has 8 − 2 = 6.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    const low = page.getByTestId('low-stock');
    await low.waitFor();
    const text = await low.textContent();
    for (const v of (await detail()).variants) expect(text).toContain(v.sku);
    expect(await low.locator('tbody tr').count()).toBe(4);
    await shot('08-dashboard-low-stock');

    // The list's quick stock edit cannot choose a variant: it says where stock is set.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Products', exact: true }).click();
    const row = page.getByTestId('products-table').getByRole('row', { name: new RegExp(product.name) });
    await page.getByLabel(`Stock of ${product.name}`).fill('50');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.locator('.toast-error', { hasText: `${product.name} has several variants` }).waitFor();
    expect(await row.locator('td.num').first().textContent()).toBe('₹900.00 – ₹930.00');

    // Deleting a variant that was ordered is refused with the API's reason; another one goes.
    await page.goto(`${base}/admin/products/${product.id}`);
    await page.getByRole('button', { name: `Delete variant ${variant.title}` }).click();
    await expect.poll(() => page.getByTestId('variants-error').textContent()).toMatch(/appears in orders.*Untick its Active box/);
    expect(await variantRows().count()).toBe(4);
    const other = (await detail()).variants.find((v) => v.options.Size === 'S' && v.options.Colour === 'Blue')!;
    await page.getByRole('button', { name: `Delete variant ${other.title}` }).click();
    await expect.poll(() => variantRows().count()).toBe(3);
    expect((await detail()).variants.map((v) => v.id)).not.toContain(other.id);
    await shot('09-variant-delete-refused');
  });
}, 90_000);
