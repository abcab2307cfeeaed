/**
 * The orders export: CSV, one line per item, over a period of days in the shop's zone, read a
 * page of orders at a time (keyset), so that its size never sits in memory.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { productVariants } from '../../src/db/schema/index.js';
import { EXPORT_COLUMNS, exportOrdersCsv } from '../../src/modules/orders/export.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { capture, planOf } from '../helpers/plans.js';
import { expectProblem } from '../helpers/problems.js';
import { send } from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
let buyer: TestUser;
let variant: { id: number; productId: number };
beforeAll(async () => {
  ctx = await buildTestApp({ REPORT_TIMEZONE: 'Asia/Kolkata' });
  shop = await makeShop(ctx);
  buyer = await makeUser(ctx);
  const product = await makeProduct(shop);
  const [v] = await ctx.database.db
    .select()
    .from(productVariants)
    .where(eq(productVariants.productId, product.id));
  variant = { id: v!.id, productId: product.id };
});
afterAll(async () => ctx?.close());

/** An independent RFC 4180 reader: rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the text ends with CRLF').toBe('');
  expect(row).toEqual([]);
  return rows;
}

const exportOf = (user: TestUser | null, query: string) =>
  send(ctx, 'GET', `/api/orders/export/?${query}`, { user });

/** Rows as objects keyed by the header line. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  expect(header).toEqual([...EXPORT_COLUMNS]);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/**
 * `count` orders of the buyer placed from `start` (UTC), `step` apart (many share a
 * timestamp, and timestamps carry microseconds), each with `items` lines: straight in SQL.
 */
async function insertOrders(
  start: string,
  count: number,
  items: number,
  step = '0.000731 seconds',
) {
  const prefix = unique('')
    .replace(/[^0-9a-f]/gi, '')
    .slice(-4)
    .toUpperCase()
    .padStart(4, '0');
  await ctx.database.db.execute(sql`
    with o as (
      insert into orders (order_number, user_id, total_amount, subtotal, shipping_address, status, payment_status, created_at)
      select 'ORD-' || ${prefix} || lpad(upper(to_hex(g)), 8, '0'), ${buyer.id}, 20.00 * ${items}, 20.00 * ${items}, 'Pune', 'paid', 'success',
             ${start}::timestamptz + (g / 3) * ${step}::interval
      from generate_series(1, ${count}) g
      returning id
    )
    insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, quantity, price_at_purchase)
    select o.id, ${variant.productId}, ${variant.id}, 'Mug ' || n, 'SKU-' || n, 'Default', n, 10.00
    from o, generate_series(1, ${items}) n`);
}

describe('GET /api/orders/export/', () => {
  it('writes one line per item of every order in the period, oldest first, across pages', async () => {
    await insertOrders('2002-03-01T10:00:00Z', 1203, 2);
    const res = await exportOf(shop.admin, 'start_date=2002-03-01&end_date=2002-03-01');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="orders-2002-03-01-to-2002-03-01.csv"',
    );
    const rows = records(res.body);
    expect(rows).toHaveLength(2406);
    // Each order once, with both its lines together, in time order.
    const numbers = rows.map((r) => r.order_number);
    expect(new Set(numbers).size).toBe(1203);
    for (let i = 0; i < rows.length; i += 2) expect(numbers[i + 1]).toBe(numbers[i]);
    const times = rows.map((r) => r.created_at);
    expect([...times].sort()).toEqual(times);
    expect(rows[1]).toMatchObject({
      status: 'paid',
      payment_status: 'success',
      order_total: '40.00',
      customer_id: String(buyer.id),
      customer_username: buyer.username,
      customer_email: buyer.email,
      product_name: 'Mug 2',
      sku: 'SKU-2',
      quantity: '2',
      unit_price: '10.00',
      line_total: '20.00',
      carrier: '',
      tracking_number: '',
    });
    expect(rows[0]!.created_at).toBe('2002-03-01T10:00:00Z');
  });

  it('counts days in the shop’s time zone, both ends inclusive; an empty period is the header alone', async () => {
    // Asia/Kolkata is UTC+05:30: 2003-05-01 runs from 2003-04-30T18:30Z to 2003-05-01T18:30Z.
    for (const at of [
      '2003-04-30T18:29:59.999999Z',
      '2003-04-30T18:30:00Z',
      '2003-05-01T18:29:59.999999Z',
      '2003-05-01T18:30:00Z',
    ]) {
      await insertOrders(at, 1, 1);
    }
    const day = records(
      (await exportOf(shop.admin, 'start_date=2003-05-01&end_date=2003-05-01')).body,
    );
    expect(day.map((r) => r.created_at)).toEqual(['2003-04-30T18:30:00Z', '2003-05-01T18:29:59Z']);
    const both = records(
      (await exportOf(shop.admin, 'start_date=2003-04-30&end_date=2003-05-02')).body,
    );
    expect(both).toHaveLength(4);
    const empty = await exportOf(shop.admin, 'start_date=1999-01-01&end_date=1999-12-31');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe(EXPORT_COLUMNS.join(',') + '\r\n');
  });

  it('quotes commas, quotes and line breaks, and defuses formulas', async () => {
    await insertOrders('2004-06-01T06:00:00Z', 1, 1);
    const nasty = [
      'Mug, large',
      'The "best" mug',
      'Two\nlines\r\nhere',
      '=HYPERLINK("http://evil.example","click")',
      '+91 98765',
      '-5 discount',
      '@SUM(A1:A2)',
      '\t=tabbed',
      'plain',
    ];
    const [order] = await ctx.database.db
      .execute(sql`select id from orders where created_at = '2004-06-01T06:00:00Z' limit 1`)
      .then((r) => (r as unknown as { rows: { id: number }[] }).rows);
    for (const name of nasty) {
      await ctx.database.db.execute(sql`
        insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, quantity, price_at_purchase)
        values (${order!.id}, ${variant.productId}, ${variant.id}, ${name}, ${name.slice(0, 60)}, 'Default', 1, 1.00)`);
    }
    await ctx.database.db.execute(
      sql`update orders set shipping_address = ${'12, "Rose" Villa\nPune'}, carrier = '=cmd', tracking_number = '-1' where id = ${order!.id}`,
    );
    const res = await exportOf(shop.admin, 'start_date=2004-06-01&end_date=2004-06-01');
    const rows = records(res.body).slice(1);
    expect(rows.map((r) => r.product_name)).toEqual([
      'Mug, large',
      'The "best" mug',
      'Two\nlines\r\nhere',
      `'=HYPERLINK("http://evil.example","click")`,
      `'+91 98765`,
      `'-5 discount`,
      `'@SUM(A1:A2)`,
      `'\t=tabbed`,
      'plain',
    ]);
    expect(rows[0]).toMatchObject({
      shipping_address: '12, "Rose" Villa\nPune',
      carrier: `'=cmd`,
      tracking_number: `'-1`,
    });
    // Raw text: the quoted fields as RFC 4180 writes them.
    expect(res.body).toContain('"The ""best"" mug"');
    expect(res.body).toContain('"\'=HYPERLINK(""http://evil.example"",""click"")"');
  });

  it('streams: reading the first chunk has read at most two pages of orders', async () => {
    await insertOrders('2005-07-01T00:00:00Z', 2600, 1);
    const client = (
      ctx.database.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }
    ).$client;
    const spy = vi.spyOn(client, 'query');
    const pages = () =>
      spy.mock.calls.filter(([q]) =>
        /from \(select \* from orders/.test(
          typeof q === 'string' ? q : (q as { text: string }).text,
        ),
      ).length;
    try {
      const stream = exportOrdersCsv(ctx.database, {
        start: '2005-07-01',
        end: '2005-07-01',
        timeZone: 'UTC',
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(String(first.value)).toBe(EXPORT_COLUMNS.join(',') + '\r\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(pages()).toBeGreaterThanOrEqual(1);
      expect(pages()).toBeLessThanOrEqual(2);
      let lines = 0;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        lines += String(next.value).split('\r\n').length - 1;
      }
      expect(lines).toBe(2600);
      // 500 orders a page: 6 pages, the last one short.
      expect(pages()).toBe(6);
    } finally {
      spy.mockRestore();
    }
  });

  it('pages by orders_created_idx (keyset), its items by order_items_order_idx', async () => {
    const sent = await capture(ctx, () =>
      exportOf(shop.admin, 'start_date=2002-03-01&end_date=2002-03-01'),
    );
    const pages = sent.filter((s) => /from \(select \* from orders/.test(s.text));
    expect(pages).toHaveLength(3);
    const plan = await planOf(ctx, pages[1]!);
    expect(plan).toMatch(/orders_created_idx/);
    expect(plan).toMatch(/order_items_order_idx/);
  });

  it('answers over HTTP in chunks, without a length', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as { port: number };
    const res = await fetch(
      `http://127.0.0.1:${port}/api/orders/export/?start_date=2002-03-01&end_date=2002-03-01`,
      {
        headers: { authorization: `Bearer ${shop.admin.access}` },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect((await res.text()).split('\r\n')).toHaveLength(2406 + 2);
  });

  it('validates the period (400 naming the field) and is for staff only', async () => {
    expectProblem(
      await exportOf(shop.admin, 'start_date=2024-02-30&end_date=2024-03-01'),
      400,
      'validation_error',
      'start_date',
    );
    expectProblem(
      await exportOf(shop.admin, 'start_date=2024-03-01&end_date=tomorrow'),
      400,
      'validation_error',
      'end_date',
    );
    expectProblem(
      await exportOf(shop.admin, 'start_date=2024-03-02&end_date=2024-03-01'),
      400,
      'validation_error',
      'end_date',
    );
    expectProblem(
      await exportOf(shop.admin, 'start_date=0001-01-01&end_date=2024-03-01'),
      400,
      'validation_error',
      'start_date',
    );
    const missing = expectProblem(await exportOf(shop.admin, ''), 400, 'validation_error');
    expect(Object.keys(missing.errors ?? {}).sort()).toEqual(['end_date', 'start_date']);
    expectProblem(
      await exportOf(shop.admin, 'start_date=2024-03-01&start_date=2024-03-02&end_date=2024-03-05'),
      400,
      'validation_error',
      'start_date',
    );
    expectProblem(
      await exportOf(buyer, 'start_date=2024-03-01&end_date=2024-03-01'),
      403,
      'permission_denied',
    );
    expectProblem(
      await exportOf(null, 'start_date=2024-03-01&end_date=2024-03-01'),
      401,
      'not_authenticated',
    );
  });
});
