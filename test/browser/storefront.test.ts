/**
 * The example storefront (examples/storefront) in headless Chromium, built with Vite and served
 * from an origin of its own, against the API on another (CORS) and the fake Razorpay: the whole
 * purchase of a guest who signs up on the way, the tracking once staff ship, the password reset
 * by e-mail, and the pages at phone width. Screenshots of each page go to a temp directory
 * (printed); with STOREFRONT_DOCS_SCREENSHOTS=1 the README's two go to docs/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import type { Schemas } from '../helpers/client.js';
import { bearer, makeAdmin, makeCategory, PASSWORD, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import { upload } from '../media/helpers.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Screenshots of each page, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-storefront-screens');
const DOCS_SCREENSHOTS = process.env.STOREFRONT_DOCS_SCREENSHOTS === '1';

const SHOPPER = {
  first: 'Meera',
  last: 'Iyer',
  username: 'meera_iyer',
  email: 'meera.iyer@mail.example',
  password: 'Monsoon-Teal-2026',
  newPassword: 'Jasmine-Kolam-77',
};
const TRACKING = {
  carrier: 'Blue Dart',
  tracking_number: 'BD123456789IN',
  tracking_url: 'https://track.example/BD123456789IN',
};

let fake: FakeRazorpay;
let ctx: TestContext;
let api: string;
let storefront: FastifyInstance;
let storeOrigin: string;
let buildDir: string;
let dataDir: string;
let browser: Browser;
let admin: TestUser;
let kurta: Schemas['ProductDetail'];
let rustImage: Schemas['ProductImage'];
let orderId: number;

/** A TCP port nobody listens on now (the API's public URL must be known before it starts). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** Builds the storefront as `npm run storefront:build` does, into `outDir`. */
async function buildStorefront(outDir: string) {
  const { build } = await import('vite');
  const nodeEnv = process.env.NODE_ENV;
  // vitest runs with NODE_ENV=test, which would bundle React's development build.
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(repo, 'examples', 'storefront', 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** A product picture: a soft two-colour gradient with a pattern, as a JPEG. */
function picture(from: string, to: string, ink: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900">
    <defs>
      <linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient>
      <pattern id="p" width="60" height="60" patternUnits="userSpaceOnUse"><circle cx="30" cy="30" r="6" fill="${ink}" opacity="0.35"/></pattern>
    </defs>
    <rect width="900" height="900" fill="url(#g)"/>
    <rect width="900" height="900" fill="url(#p)"/>
    <circle cx="450" cy="450" r="250" fill="${ink}" opacity="0.85"/>
    <circle cx="450" cy="450" r="170" fill="${from}" opacity="0.9"/>
    <circle cx="450" cy="450" r="90" fill="${ink}" opacity="0.7"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

async function send<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: unknown,
  as = admin,
): Promise<T> {
  const res = await ctx.app.inject({
    method,
    url,
    headers: bearer(as.access),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json<T>();
}

async function uploadPicture(
  productId: number,
  image: Buffer,
  alt: string,
): Promise<Schemas['ProductImage']> {
  const res = await upload(ctx, productId, image, admin, [{ name: 'alt', data: alt }]);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

type ProductFields = {
  name: string;
  price: string;
  stock: number;
  category: number;
  description?: string;
  is_featured?: boolean;
};
const product = (fields: ProductFields) =>
  send<Schemas['ProductDetail']>('POST', '/api/products/', fields);

/** A small shop: a category tree, products with pictures, a kurta with sizes and colours, a code, two ways to ship. */
async function seed() {
  admin = await makeAdmin(ctx);
  const clothing = await makeCategory(ctx, admin, {
    name: 'Clothing',
    description: 'Handloom and block-printed wear.',
  });
  const kurtas = await makeCategory(ctx, admin, { name: 'Kurtas', parent: clothing.id });
  const home = await makeCategory(ctx, admin, { name: 'Home & Kitchen' });

  kurta = await product({
    name: 'Indigo Block-Print Kurta',
    price: '1299.00',
    stock: 7,
    category: kurtas.id,
    is_featured: true,
    description:
      'Hand block-printed in Bagru on soft cotton, with a mandarin collar and side pockets.',
  });
  const indigoImage = await uploadPicture(
    kurta.id,
    await picture('#e0e7ff', '#a5b4fc', '#312e81'),
    'The kurta in indigo',
  );
  rustImage = await uploadPicture(
    kurta.id,
    await picture('#ffedd5', '#fdba74', '#9a3412'),
    'The kurta in rust',
  );
  await send('PUT', `/api/products/${kurta.id}/options/`, {
    options: [
      { name: 'Size', values: ['S', 'M', 'L'] },
      { name: 'Colour', values: ['Indigo', 'Rust'] },
    ],
  });
  await send('POST', `/api/products/${kurta.id}/variants/bulk/`, {
    variants: [
      {
        options: { Size: 'M', Colour: 'Indigo' },
        price: '1299.00',
        stock: 8,
        image_id: indigoImage.id,
      },
      {
        options: { Size: 'L', Colour: 'Indigo' },
        price: '1349.00',
        stock: 0,
        image_id: indigoImage.id,
      },
      {
        options: { Size: 'S', Colour: 'Rust' },
        price: '1399.00',
        stock: 4,
        image_id: rustImage.id,
        compare_at_price: '1599.00',
      },
      {
        options: { Size: 'M', Colour: 'Rust' },
        price: '1399.00',
        stock: 6,
        image_id: rustImage.id,
        compare_at_price: '1599.00',
      },
    ],
  });

  const saree = await product({
    name: 'Handloom Cotton Saree',
    price: '3499.00',
    stock: 5,
    category: clothing.id,
    is_featured: true,
  });
  await uploadPicture(
    saree.id,
    await picture('#fce7f3', '#f9a8d4', '#9d174d'),
    'A pink handloom saree',
  );
  const lamp = await product({
    name: 'Brass Diya Lamp',
    price: '650.00',
    stock: 30,
    category: home.id,
    is_featured: true,
  });
  await uploadPicture(lamp.id, await picture('#fef9c3', '#fde047', '#a16207'), 'A brass diya');
  const tumblers = await product({
    name: 'Copper Tumbler Set',
    price: '899.00',
    stock: 12,
    category: home.id,
    is_featured: true,
  });
  await uploadPicture(
    tumblers.id,
    await picture('#ffe4e6', '#fda4af', '#9f1239'),
    'Two copper tumblers',
  );
  // One without a picture (the placeholder shows) and one sold out (the in-stock filter hides it).
  await product({ name: 'Cotton Dhurrie Rug', price: '2499.00', stock: 3, category: home.id });
  await product({ name: 'Linen Table Runner', price: '749.00', stock: 0, category: home.id });

  await send('POST', '/api/admin/promotions/', {
    code: 'WELCOME10',
    kind: 'percentage',
    value: '10',
    description: '10% off your first order',
  });
  await send('POST', '/api/admin/shipping-methods/', {
    name: 'Standard delivery',
    kind: 'flat',
    price: '49.00',
    free_over: '999.00',
  });
  await send('POST', '/api/admin/shipping-methods/', {
    name: 'Express delivery',
    kind: 'flat',
    price: '149.00',
  });
}

async function newPage(
  viewport = { width: 1280, height: 860 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport,
    timezoneId: 'Asia/Kolkata',
    locale: 'en-IN',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

async function shot(page: Page, name: string) {
  // From the top: a sticky header would otherwise sit where the page was scrolled to.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Nothing on the page is wider than the window. */
async function expectNoSidewaysScroll(page: Page) {
  const widths = await page.evaluate<{ page: number; window: number }>(
    '({ page: document.documentElement.scrollWidth, window: window.innerWidth })',
  );
  expect(widths.page).toBeLessThanOrEqual(widths.window);
}

/** The link of the newest password-reset e-mail to `to`, from DATA_DIR/mail. */
async function resetLink(to: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const names = (await readdir(join(dataDir, 'mail')).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.eml'))
      .sort();
    for (const name of names.reverse()) {
      const mail = await simpleParser(await readFile(join(dataDir, 'mail', name)));
      const address = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address;
      const link = /(https?:\/\/[^\s<>"()]+\/reset-password\?token=[\w-]+)/.exec(
        mail.text ?? '',
      )?.[1];
      if (address === to && link) return link;
    }
    if (Date.now() > deadline)
      throw new Error(`no password reset e-mail to ${to} in ${join(dataDir, 'mail')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!hasChromium)('the example storefront in headless Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    buildDir = await mkdtemp(join(tmpdir(), 'shop-storefront-build-'));
    dataDir = await mkdtemp(join(tmpdir(), 'shop-storefront-data-'));
    // Built while the API starts and the shop is seeded; a failure is thrown below.
    const building = buildStorefront(buildDir).then(
      () => null,
      (err: unknown) => err,
    );

    // The storefront's own origin: its static files, /config.json naming the API and the
    // fake, and index.html for every other path (the app routes /product/…, /reset-password…).
    const runtimeConfig: Record<string, string> = {};
    storefront = Fastify();
    await storefront.register(fastifyStatic, { root: buildDir });
    storefront.get('/config.json', async () => runtimeConfig);
    storefront.setNotFoundHandler((_req, reply) => reply.type('text/html').sendFile('index.html'));
    await storefront.listen({ port: 0, host: '127.0.0.1' });
    storeOrigin = `http://127.0.0.1:${(storefront.server.address() as AddressInfo).port}`;

    fake = await new FakeRazorpay().start();
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    ctx = await buildTestApp(
      {
        ...fake.env,
        CORS_ORIGINS: storeOrigin,
        SHOP_URL: storeOrigin,
        SHOP_NAME: 'Kadai',
        PUBLIC_URL: api,
        DATA_DIR: dataDir,
        JOBS: 'on',
      },
      { isolated: true },
    );
    await ctx.app.listen({ port, host: '127.0.0.1' });
    Object.assign(runtimeConfig, { api, razorpayFakeUrl: fake.url, shopName: 'Kadai' });
    await seed();
    const buildFailure = await building;
    if (buildFailure) throw buildFailure;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 5_000))]);
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
    await storefront?.close();
    await fake?.stop();
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    console.info(`[browser tests] storefront screenshots in ${ARTIFACTS}`);
  });

  it('sells a kurta to a guest who signs up on the way: code, shipping, payment, then tracking', async () => {
    const { context, page } = await newPage();
    expect(new URL(storeOrigin).origin).not.toBe(new URL(api).origin);

    // Home: featured products with their pictures (from the API's origin) and the categories.
    await page.goto(`${storeOrigin}/`);
    await page.getByRole('heading', { level: 2, name: 'Featured' }).waitFor();
    const featured = page.getByRole('region', { name: 'Featured' }).getByTestId('product-card');
    await expect.poll(() => featured.count()).toBe(4);
    const firstImage = featured.first().locator('img');
    expect(await firstImage.getAttribute('src')).toMatch(
      new RegExp(`^${api}/media/[0-9a-f]{32}/thumb\\.webp$`),
    );
    // Loaded across origins (the API sends Cross-Origin-Resource-Policy: cross-origin).
    await expect
      .poll(() =>
        page.evaluate<number>(
          "(() => { const i = document.querySelector('.card img'); return i && i.complete ? i.naturalWidth : 0; })()",
        ),
      )
      .toBeGreaterThan(0);
    await shot(page, '01-home');
    if (DOCS_SCREENSHOTS) {
      await mkdir(join(repo, 'docs', 'screenshots'), { recursive: true });
      // The hero and the first row of products.
      await page.screenshot({
        path: join(repo, 'docs', 'screenshots', 'storefront-home.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: 1080 },
      });
    }

    // A category page holds its sub-categories' products too.
    await page.getByRole('link', { name: 'Clothing', exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Clothing' }).waitFor();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('2 products');
    await expect.poll(() => page.getByRole('link', { name: 'Kurtas' }).count()).toBe(1);
    await shot(page, '02-category');

    // Search, then the filters: in stock, price range, sort.
    await page.getByLabel('Search products').fill('cotton');
    await page.getByLabel('Search products').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Results for “cotton”' }).waitFor();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('3 products');
    await page.getByLabel('Search products').fill('');
    await page.getByLabel('Search products').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'All products' }).waitFor();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('6 products');
    await page.getByLabel('In stock only').check();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('5 products');
    expect(page.url()).toContain('in_stock=true');
    await page.getByLabel('Category', { exact: true }).selectOption({ label: 'Home & Kitchen' });
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('3 products');
    await page.getByLabel('Minimum price').fill('700');
    await page.getByLabel('Maximum price').fill('2500');
    await page.getByRole('button', { name: 'Apply prices' }).click();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('2 products');
    await page.getByLabel('Sort by').selectOption('-price');
    const names = page.locator('.card-title');
    await expect
      .poll(() => names.allTextContents())
      .toEqual(['Cotton Dhurrie Rug', 'Copper Tumbler Set']);
    await shot(page, '03-search-filters');
    await page.getByLabel('Category', { exact: true }).selectOption('');
    await page.getByLabel('Minimum price').fill('');
    await page.getByLabel('Maximum price').fill('');
    await page.getByRole('button', { name: 'Apply prices' }).click();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('5 products');

    // The product: the variant picker gives each combination its price, stock and picture.
    await page.getByRole('link', { name: 'Indigo Block-Print Kurta' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Indigo Block-Print Kurta' }).waitFor();
    expect(await page.getByTestId('variant-price').textContent()).toBe('₹1,299.00');
    expect(await page.getByTestId('variant-stock').textContent()).toBe('In stock');
    await page.getByRole('radio', { name: 'L', exact: true }).check();
    await expect.poll(() => page.getByTestId('variant-stock').textContent()).toBe('Sold out');
    expect(await page.getByTestId('variant-price').textContent()).toBe('₹1,349.00');
    expect(await page.getByRole('button', { name: 'Add to cart' }).isDisabled()).toBe(true);
    await page.getByRole('radio', { name: 'Rust', exact: true }).check();
    // There is no L in rust: the nearest rust variant is picked.
    await expect
      .poll(() => page.getByRole('radio', { name: 'S', exact: true }).isChecked())
      .toBe(true);
    expect(await page.getByTestId('variant-stock').textContent()).toBe('Only 4 left');
    await page.getByRole('radio', { name: 'M', exact: true }).check();
    await expect.poll(() => page.getByTestId('variant-price').textContent()).toBe('₹1,399.00');
    expect(await page.getByTestId('variant-stock').textContent()).toBe('In stock');
    expect(await page.locator('.product-price s').textContent()).toBe('₹1,599.00');
    expect(await page.locator('img.gallery-main').getAttribute('src')).toBe(rustImage.sizes.medium);
    await shot(page, '04-product-variant');

    // Into the cart as a guest: the API's token comes back in X-Cart-Token and is kept.
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added 1 × Indigo Block-Print Kurta (M / Rust) to your cart.').waitFor();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('1');
    expect(await page.evaluate<string | null>("localStorage.getItem('kadai-cart-token')")).toMatch(
      /^[\w-]{16,128}$/,
    );
    await page.getByRole('link', { name: 'View cart' }).click();
    await expect.poll(() => page.getByTestId('cart-line').count()).toBe(1);
    expect(await page.getByTestId('cart-total').textContent()).toBe('₹1,399.00');
    await shot(page, '05-cart-guest');

    // Sign up on the way to checkout: the guest cart is merged into the new account.
    await page.getByRole('button', { name: 'Sign in to check out' }).click();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('First name').fill(SHOPPER.first);
    await page.getByLabel('Last name').fill(SHOPPER.last);
    await page.getByLabel('Username', { exact: true }).fill(SHOPPER.username);
    await page.getByLabel('E-mail').fill(SHOPPER.email);
    await page.getByLabel('Password', { exact: true }).fill(SHOPPER.password);
    await page.getByLabel('Password again').fill(SHOPPER.password);
    await shot(page, '06-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    const summary = page.getByRole('complementary', { name: 'Order summary' });
    await summary.getByText('1 × Indigo Block-Print Kurta').waitFor();
    expect(
      await page.evaluate<string | null>("localStorage.getItem('kadai-cart-token')"),
    ).toBeNull();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('1');

    // The promotion code, then the shipping method: the total follows.
    await page.getByLabel('Promotion code').fill('nope');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByText('Promotion code not found')
      .or(page.locator('.field-error'))
      .first()
      .waitFor();
    await page.getByLabel('Promotion code').fill('welcome10');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('promotion').getByText('WELCOME10').waitFor();
    expect(await page.getByTestId('promotion').textContent()).toContain('saves you ₹139.90');
    // Standard shipping is free over ₹999 (after the discount); Express is not.
    await expect.poll(() => page.getByTestId('checkout-total').textContent()).toBe('₹1,259.10');
    await page.getByLabel(/Express delivery/).check();
    await expect.poll(() => page.getByTestId('checkout-total').textContent()).toBe('₹1,408.10');

    // An Indian address; the PIN is checked by the API too.
    await page.getByLabel('Street address').fill('14 Besant Avenue, Adyar');
    await page.getByLabel('City').fill('Chennai');
    await page.getByLabel('PIN code').fill('600020');
    await page.getByLabel('State').selectOption('Tamil Nadu');
    await shot(page, '07-checkout');
    await page.getByRole('button', { name: 'Place order' }).click();

    // The order's page takes the payment through the test gateway.
    await page.getByRole('button', { name: 'Pay (test gateway)' }).waitFor();
    orderId = Number(/\/orders\/(\d+)$/.exec(page.url())?.[1]);
    expect(orderId).toBeGreaterThan(0);
    expect(await page.getByTestId('amount-due').textContent()).toBe('₹1,408.10');
    expect(await page.getByTestId('order-discount').textContent()).toBe('−₹139.90');
    expect(await page.getByTestId('order-shipping').textContent()).toBe('₹149.00');
    await shot(page, '08-order-to-pay');
    await page.getByRole('button', { name: 'Pay (test gateway)' }).click();
    await page.getByTestId('order-confirmation').waitFor();
    expect(await page.locator('.order-head').getByTestId('order-status').textContent()).toBe(
      'Paid',
    );
    await shot(page, '09-order-paid');
    expect(fake.count('POST /v1/orders/:id/pay')).toBe(1);

    // The API agrees: paid, with the code, Express and the Chennai address.
    const shopper = await send<{ access: string }>('POST', '/api/auth/login/', {
      username: SHOPPER.username,
      password: SHOPPER.password,
    });
    const asShopper = { ...admin, access: shopper.access };
    const order = await send<Schemas['OrderDetail']>(
      'GET',
      `/api/orders/${orderId}/`,
      undefined,
      asShopper,
    );
    expect(order).toMatchObject({
      status: 'paid',
      payment_status: 'success',
      promotion_code: 'WELCOME10',
      total_amount: '1408.10',
      shipping_method: { name: 'Express delivery' },
    });
    expect(order.shipping_address).toBe(
      '14 Besant Avenue, Adyar, Chennai, Tamil Nadu, 600020, India',
    );
    expect(order.items).toMatchObject([
      { product_name: 'Indigo Block-Print Kurta', variant_title: 'M / Rust', quantity: 1 },
    ]);

    // Order history shows it paid.
    await page
      .getByRole('navigation', { name: 'Account' })
      .getByRole('link', { name: 'Orders' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor();
    const row = page.getByTestId('order-row').filter({ hasText: order.order_number });
    await expect
      .poll(async () => {
        await page.reload();
        return row.getByTestId('order-status').textContent();
      })
      .toBe('Paid');
    await shot(page, '10-orders');

    // Staff ship it with tracking; the shopper's order page shows where it is.
    await send('PATCH', `/api/orders/${orderId}/update_status/`, { status: 'processing' });
    await send('PATCH', `/api/orders/${orderId}/update_status/`, {
      status: 'shipped',
      ...TRACKING,
    });
    await row.getByRole('link', { name: order.order_number }).click();
    const tracking = page.getByTestId('order-tracking');
    await tracking.waitFor();
    expect(await tracking.textContent()).toContain('Blue Dart · BD123456789IN');
    expect(
      await tracking.getByRole('link', { name: 'Track your parcel' }).getAttribute('href'),
    ).toBe(TRACKING.tracking_url);
    expect(await page.locator('.order-head').getByTestId('order-status').textContent()).toBe(
      'Shipped',
    );
    await shot(page, '11-order-shipped');
    await context.close();
  }, 180_000);

  it('resets a forgotten password from the e-mailed link, then signs in with the new one', async () => {
    const { context, page } = await newPage();
    await page.goto(`${storeOrigin}/signin`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('E-mail').fill(SHOPPER.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page
      .getByText(`If an account uses ${SHOPPER.email}, a link to reset its password is on its way.`)
      .waitFor();
    await shot(page, '12-forgot-password');

    const link = await resetLink(SHOPPER.email);
    expect(link.startsWith(`${storeOrigin}/reset-password?token=`)).toBe(true);
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(SHOPPER.newPassword);
    await page.getByLabel('New password again').fill(SHOPPER.newPassword);
    await shot(page, '13-reset-password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password is changed. Sign in with the new one.').waitFor();

    // The old password no longer works; the new one does, and the orders are there.
    await page.getByLabel('Username or e-mail').fill(SHOPPER.username);
    await page.getByLabel('Password', { exact: true }).fill(SHOPPER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password', { exact: true }).fill(SHOPPER.newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor();
    await expect.poll(() => page.getByTestId('order-row').count()).toBe(1);
    await shot(page, '14-signed-in-after-reset');

    // The link is used up.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('Another-Pass-123');
    await page.getByLabel('New password again').fill('Another-Pass-123');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').waitFor();
    await context.close();
  }, 120_000);

  it('fits a phone (390 × 844): home, product, cart and checkout without sideways scrolling', async () => {
    const { context, page } = await newPage({ width: 390, height: 844 });
    await page.goto(`${storeOrigin}/`);
    await expect.poll(() => page.getByTestId('product-card').count()).toBeGreaterThan(3);
    await expectNoSidewaysScroll(page);
    await shot(page, '15-phone-home');
    await page.goto(`${storeOrigin}/product/${kurta.slug}`);
    await page.getByRole('heading', { level: 1, name: 'Indigo Block-Print Kurta' }).waitFor();
    await expectNoSidewaysScroll(page);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('1');
    await shot(page, '16-phone-product');
    await page.goto(`${storeOrigin}/cart`);
    await expect.poll(() => page.getByTestId('cart-line').count()).toBe(1);
    await expectNoSidewaysScroll(page);
    await shot(page, '17-phone-cart');
    await page.goto(`${storeOrigin}/search?q=kurta`);
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('1 product');
    await expectNoSidewaysScroll(page);
    await shot(page, '18-phone-search');
    await context.close();
  }, 120_000);

  it.runIf(DOCS_SCREENSHOTS)(
    'takes the README screenshot of the admin dashboard with this data',
    async () => {
      const { context, page } = await newPage({ width: 1280, height: 800 });
      await page.goto(`${api}/admin/`);
      await page.getByLabel('Username or email').fill(admin.username);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: join(repo, 'docs', 'screenshots', 'admin-dashboard.png') });
      await context.close();
    },
    60_000,
  );
});
