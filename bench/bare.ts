/**
 * The bare-metal reference for `npm run bench`: Fastify 5 + `pg`, no auth, no ORM, no
 * plugins, named prepared statements, the same SQL as the project's routes and the same
 * JSON bodies. Started by bench/run.ts as its own process:
 *
 *   DATABASE_URL=postgres://…/shop_bench PORT=3999 node --import tsx bench/bare.ts
 *
 * The caller of the cart and checkout routes is named by an `x-user-id` header (there is no
 * authentication); login verifies the argon2id hash and signs one access token with jose.
 */
import { randomBytes } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { SignJWT } from 'jose';
import pg from 'pg';

const PORT = Number(process.env.PORT ?? 3999);
const HOST = process.env.HOST ?? '127.0.0.1';
const PAGE_SIZE = 50;
const JWT_KEY = new TextEncoder().encode(process.env.JWT_SECRET ?? 'bare-secret-bare-secret-bare-secret-0123');
const ORDER_STATUSES = ['pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'payment_failed'];

// The same planner setting as the project's pool (src/db/client.ts), so both get the same plans.
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 20),
  idleTimeoutMillis: 30_000,
  options: '-c random_page_cost=1.1',
});
pool.on('error', (err) => console.error('bare: pool error', err));

type Params = unknown[];
const q = <T extends pg.QueryResultRow>(name: string, text: string, values: Params, client: pg.Pool | pg.PoolClient = pool) =>
  client.query<T>({ name, text, values });

// ---- money in integer paise, as src/lib/money.ts -------------------------------------------
function toPaise(amount: string): number {
  const [whole = '0', fraction = ''] = amount.split('.');
  return Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
}
const fromPaise = (paise: number) => `${Math.floor(paise / 100)}.${String(paise % 100).padStart(2, '0')}`;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---- catalog -----------------------------------------------------------------------------------
const MEDIA = process.env.MEDIA_BASE ?? `http://localhost:${PORT}/media`;
const LIST_COLUMNS = `p.id, p.name, p.slug, p.price, p.price as price_min, p.price_max, p.stock, p.stock > 0 as in_stock,
  coalesce('${MEDIA}/' || p.image_thumb_key, p.image_url) as image, p.image_url, p.is_active, p.is_featured,
  p.category_id as category, c.name as category_name, p.created_at`;
const IN_TREE = `p.category_id in (
    with recursive sub as (
      select id from categories where categories.slug = $1
      union all
      select c.id from categories c join sub on c.parent_id = sub.id
    ) select id from sub)`;
const SEARCH_TEXT = `(p.name::text || ' ' || p.description)`;

const SQL = {
  list: `select ${LIST_COLUMNS} from products p join categories c on c.id = p.category_id
         where p.is_active order by p.created_at desc, p.id desc limit $1 offset $2`,
  listCount: `select count(*)::int as n from products p where p.is_active`,
  filtered: `select ${LIST_COLUMNS} from products p join categories c on c.id = p.category_id
             where p.is_active and ${IN_TREE} and p.stock > 0 order by p.price asc, p.id asc limit $2 offset $3`,
  filteredCount: `select count(*)::int as n from products p where p.is_active and ${IN_TREE} and p.stock > 0`,
  searchCount: `select e.n as exact,
                  case when e.n = 0 then (select count(*)::int from products p where p.is_active and $1 <% p.name) else 0 end as similar
                from (select count(*)::int as n from products p where p.is_active and ${SEARCH_TEXT} ilike $2) e`,
  search: `select ${LIST_COLUMNS} from products p join categories c on c.id = p.category_id
           where p.is_active and ${SEARCH_TEXT} ilike $1
           order by (p.name ilike $1) desc, p.created_at desc, p.id desc limit $2 offset $3`,
  // The product with its active variants and its images, each list a json_agg of one index scan.
  detail: `select p.id, p.name, p.slug, p.description, p.price, p.price_max, p.stock, p.image_url, p.image_thumb_key,
                  p.is_active, p.is_featured, p.options,
                  p.created_at, p.updated_at, c.id as c_id, c.name as c_name, c.slug as c_slug,
                  c.description as c_description, c.parent_id as c_parent, c.created_at as c_created_at,
                  c.updated_at as c_updated_at,
                  (select coalesce(json_agg(json_build_object('id', v.id, 'sku', v.sku, 'title', v.title, 'options', v.options,
                            'price', v.price, 'compare_at_price', v.compare_at_price, 'stock', v.stock, 'is_active', v.is_active,
                            'weight_grams', v.weight_grams, 'image_id', v.image_id) order by v.position, v.id), '[]')
                     from product_variants v where v.product_id = p.id and v.is_active) as variants,
                  (select coalesce(json_agg(json_build_object('id', i.id, 'key', i.key, 'format', i.format, 'alt', i.alt,
                            'width', i.width, 'height', i.height, 'position', i.position) order by i.position, i.id), '[]')
                     from product_images i where i.product_id = p.id) as images
           from products p join categories c on c.id = p.category_id where p.id = $1`,
};

type ListQuery = { page?: string; page_size?: string; category?: string; ordering?: string; in_stock?: string; search?: string };

function pageLinks(request: FastifyRequest, page: number, count: number, size: number) {
  const link = (n: number) => {
    const url = new URL(request.url, `http://${request.host}`);
    if (n === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(n));
    return url.toString();
  };
  const last = Math.max(1, Math.ceil(count / size));
  return {
    next: page < last ? link(page + 1) : null,
    previous: page > 1 ? link(Math.min(page - 1, last)) : null,
  };
}

async function listProducts(request: FastifyRequest<{ Querystring: ListQuery }>) {
  const query = request.query;
  const page = query.page === undefined ? 1 : Number(query.page);
  if (!Number.isInteger(page) || page < 1) throw new HttpError(400, 'page must be a positive integer');
  // page_size as the project's (1 … 100, 50 by default): the uncached search scenario varies it.
  const size = query.page_size === undefined ? PAGE_SIZE : Number(query.page_size);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new HttpError(400, 'page_size must be 1 … 100');
  const offset = (page - 1) * size;
  let count: number;
  let rows: unknown[];
  const term = query.search?.trim();
  if (term) {
    // As search.ts: the count first (it decides on the typo fallback), then the page.
    const pattern = `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const counted = (await q<{ exact: number; similar: number }>('search_count', SQL.searchCount, [term, pattern])).rows[0]!;
    if (counted.exact === 0) throw new HttpError(501, 'the bare server has no typo fallback');
    count = counted.exact;
    rows = offset < count ? (await q('search', SQL.search, [pattern, size, offset])).rows : [];
  } else if (query.category !== undefined) {
    if (query.ordering !== 'price' || query.in_stock !== 'true') throw new HttpError(501, 'only ordering=price&in_stock=true');
    const [page_, counted] = await Promise.all([
      q('filtered', SQL.filtered, [query.category, size, offset]),
      q<{ n: number }>('filtered_count', SQL.filteredCount, [query.category]),
    ]);
    rows = page_.rows;
    count = counted.rows[0]!.n;
  } else {
    const [page_, counted] = await Promise.all([
      q('list', SQL.list, [size, offset]),
      q<{ n: number }>('list_count', SQL.listCount, []),
    ]);
    rows = page_.rows;
    count = counted.rows[0]!.n;
  }
  if (page > 1 && offset >= count) throw new HttpError(404, `Invalid page: page ${page} is past the last page.`);
  return { count, ...pageLinks(request, page, count, size), results: rows };
}

interface DetailRow {
  id: number;
  name: string;
  slug: string;
  description: string;
  price: string;
  price_max: string;
  stock: number;
  image_url: string | null;
  image_thumb_key: string | null;
  is_active: boolean;
  is_featured: boolean;
  options: unknown;
  variants: { price: string; compare_at_price: string | null; [k: string]: unknown }[];
  images: { id: number; key: string; format: string; alt: string; width: number; height: number; position: number }[];
  created_at: Date;
  updated_at: Date;
  c_id: number;
  c_name: string;
  c_slug: string;
  c_description: string;
  c_parent: number | null;
  c_created_at: Date;
  c_updated_at: Date;
}

async function productDetail(request: FastifyRequest<{ Params: { id: string } }>) {
  const id = Number(request.params.id);
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw new HttpError(404, 'Product not found.');
  const p = (await q<DetailRow>('detail', SQL.detail, [id])).rows[0];
  if (!p || !p.is_active) throw new HttpError(404, 'Product not found.');
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    description: p.description,
    price: p.price,
    price_min: p.price,
    price_max: p.price_max,
    stock: p.stock,
    in_stock: p.stock > 0,
    image: p.image_thumb_key ? `${MEDIA}/${p.image_thumb_key}` : p.image_url,
    image_url: p.image_url,
    is_active: p.is_active,
    is_featured: p.is_featured,
    options: p.options,
    // json_agg writes numeric as a JSON number: money goes back to two-decimal strings.
    variants: p.variants.map((v) => ({
      ...v,
      price: Number(v.price).toFixed(2),
      compare_at_price: v.compare_at_price === null ? null : Number(v.compare_at_price).toFixed(2),
    })),
    images: p.images.map((i) => ({
      id: i.id,
      url: `${MEDIA}/${i.key}/original.${i.format}`,
      alt: i.alt,
      width: i.width,
      height: i.height,
      position: i.position,
      sizes: {
        thumb: `${MEDIA}/${i.key}/thumb.webp`,
        medium: `${MEDIA}/${i.key}/medium.webp`,
        large: `${MEDIA}/${i.key}/large.webp`,
      },
    })),
    category: {
      id: p.c_id,
      name: p.c_name,
      slug: p.c_slug,
      description: p.c_description,
      parent: p.c_parent,
      created_at: p.c_created_at,
      updated_at: p.c_updated_at,
    },
    category_name: p.c_name,
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

// ---- analytics (the SQL of src/modules/analytics/service.ts) --------------------------------
const ANALYTICS = {
  counters: `select key, sum(orders)::int as orders, sum(revenue)::text as revenue from order_counters group by key`,
  top: `select s.product_id, p.name as product_name, s.units as total_sold, s.revenue
        from product_sales s join products p on p.id = s.product_id where s.units > $1
        order by s.units desc nulls last, s.revenue desc nulls last, s.product_id limit $2`,
  lowStock: `select p.id, p.name, p.stock, c.name as category_name
             from products p join categories c on c.id = p.category_id
             where p.is_active and p.stock < $1 order by p.stock asc, p.id asc limit $2`,
  recent: `select id, order_number, total_amount, status, payment_status, created_at,
                  (select count(*)::int from order_items where order_items.order_id = orders.id) as items_count
           from orders order by orders.created_at desc, orders.id desc limit $1`,
  productCount: `select count(*)::int as n from products`,
  categoryCount: `select count(*)::int as n from categories`,
  report: `select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(s.revenue, 0)::text as total, coalesce(s.orders, 0)::int as count
           from generate_series($1::date, $2::date, interval '1 day') as d(day)
           left join (
             select (bucket at time zone $3)::date as day, sum(orders) as orders, sum(revenue) as revenue
             from sales_buckets
             where bucket >= ($1::date::timestamp at time zone $3)
               and bucket < (($2::date + 1)::timestamp at time zone $3)
             group by 1
           ) s on s.day = d.day::date
           order by d.day`,
};

async function dashboard() {
  const [counters, top, lowStock, recent, products, categories] = await Promise.all([
    q<{ key: string; orders: number; revenue: string }>('a_counters', ANALYTICS.counters, []),
    q<{ product_id: number; product_name: string; total_sold: number; revenue: string }>('a_top', ANALYTICS.top, [0, 10]),
    q('a_low', ANALYTICS.lowStock, [10, 10]),
    q('a_recent', ANALYTICS.recent, [10]),
    q<{ n: number }>('a_products', ANALYTICS.productCount, []),
    q<{ n: number }>('a_categories', ANALYTICS.categoryCount, []),
  ]);
  const byKey = new Map(counters.rows.map((c) => [c.key, c]));
  const paid = byKey.get('paid');
  const revenue = paid ? toPaise(paid.revenue) : 0;
  const byStatus = ORDER_STATUSES.map((status) => ({ status, count: byKey.get(`status:${status}`)?.orders ?? 0 }));
  return {
    total_revenue: fromPaise(revenue),
    total_orders: byStatus.reduce((n, s) => n + s.count, 0),
    average_order_value: fromPaise(paid?.orders ? Math.round(revenue / paid.orders) : 0),
    orders_by_status: byStatus,
    top_products: top.rows.map((t) => ({ ...t, revenue: fromPaise(toPaise(t.revenue)) })),
    low_stock_products: lowStock.rows,
    recent_orders: recent.rows,
    total_products: products.rows[0]!.n,
    total_categories: categories.rows[0]!.n,
  };
}

async function salesReport(request: FastifyRequest<{ Querystring: { days?: string; tz?: string } }>) {
  const days = Number(request.query.days ?? 30);
  const tz = request.query.tz ?? 'UTC';
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new HttpError(400, 'days must be 1–366');
  const end = Date.parse(`${new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date())}T00:00:00Z`);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const start = day(end - (days - 1) * 86_400_000);
  const rows = (await q<{ day: string; total: string; count: number }>('a_report', ANALYTICS.report, [start, day(end), tz])).rows;
  let revenue = 0;
  let count = 0;
  const daily = rows.map((r) => {
    const paise = toPaise(r.total);
    revenue += paise;
    count += r.count;
    return { day: r.day, total: fromPaise(paise), count: r.count };
  });
  return {
    period_days: days,
    start_date: start,
    end_date: day(end),
    total_orders: count,
    total_revenue: fromPaise(revenue),
    average_order_value: fromPaise(count ? Math.round(revenue / count) : 0),
    daily_breakdown: daily,
  };
}

// ---- login: the project's user lookup, argon2id verify, one signed access token ---------------
async function login(request: FastifyRequest<{ Body: { username?: string; password?: string } }>) {
  const { username, password } = request.body ?? {};
  if (typeof username !== 'string' || typeof password !== 'string') throw new HttpError(400, 'username and password');
  const lowered = username.trim().toLowerCase();
  const user = (
    await q<{ id: number; username: string; password_hash: string; is_active: boolean }>(
      'login_user',
      `select id, username, password_hash, is_active from users
       where lower(username) = $1 or lower(email) = $1 limit 2`,
      [lowered],
    )
  ).rows.find((u) => u.username.toLowerCase() === lowered);
  const valid = user ? await verify(user.password_hash, password).catch(() => false) : false;
  if (!user || !valid || !user.is_active) throw new HttpError(401, 'No active account found with the given credentials.');
  const access = await new SignJWT({ typ: 'access' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(user.id))
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(JWT_KEY);
  return { access, user: { id: user.id, username: user.username } };
}

// ---- cart and checkout ---------------------------------------------------------------------------
function userOf(request: FastifyRequest): number {
  const id = Number(request.headers['x-user-id']);
  if (!Number.isInteger(id) || id < 1) throw new HttpError(401, 'x-user-id header required');
  return id;
}

async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const CART = {
  // Creates the cart or, when it exists, locks and touches it: one statement.
  lockCart: `insert into carts (user_id) values ($1)
             on conflict (user_id) do update set updated_at = now()
             returning id, created_at, updated_at`,
  // The variant by id, or a product's variants by the product's id (one is required then).
  variant: `select v.id, v.product_id, v.stock, v.is_active and p.is_active as active
            from product_variants v join products p on p.id = v.product_id where v.id = $1`,
  productVariants: `select v.id, v.product_id, v.stock, v.is_active and p.is_active as active
                    from product_variants v join products p on p.id = v.product_id where v.product_id = $1 limit 2`,
  upsertLine: `insert into cart_items (cart_id, product_id, variant_id, quantity) values ($1, $2, $3, $4)
               on conflict (cart_id, variant_id) do update
                 set quantity = cart_items.quantity + excluded.quantity, updated_at = now()
               returning quantity`,
  lines: `select ci.id, ci.quantity, ci.added_at, v.id as v_id, v.sku as v_sku, v.title as v_title, v.options as v_options,
                 v.price as unit_price, ${LIST_COLUMNS}
          from cart_items ci join product_variants v on v.id = ci.variant_id
          join products p on p.id = ci.product_id join categories c on c.id = p.category_id
          where ci.cart_id = $1 order by ci.added_at, ci.id`,
};

interface LineRow {
  id: number;
  quantity: number;
  added_at: Date;
  price: string;
  [column: string]: unknown;
}

type VariantRow = { id: number; product_id: number; stock: number; active: boolean };

async function cartAdd(request: FastifyRequest<{ Body: { product_id?: number; variant_id?: number; quantity?: number } }>) {
  const userId = userOf(request);
  const byVariant = request.body?.variant_id !== undefined;
  const id = Number(byVariant ? request.body?.variant_id : request.body?.product_id);
  const quantity = Number(request.body?.quantity ?? 1);
  if (!Number.isInteger(id) || !Number.isInteger(quantity) || quantity < 1 || quantity > 999) {
    throw new HttpError(400, 'variant_id or product_id, and quantity 1–999');
  }
  return inTransaction(async (client) => {
    const cart = (await q<{ id: number; created_at: Date; updated_at: Date }>('cart_lock', CART.lockCart, [userId], client)).rows[0]!;
    const found = byVariant
      ? (await q<VariantRow>('cart_variant', CART.variant, [id], client)).rows
      : (await q<VariantRow>('cart_product_variants', CART.productVariants, [id], client)).rows;
    if (found.length > 1) throw new HttpError(400, 'variant_required');
    const variant = found[0];
    if (!variant?.active) throw new HttpError(400, 'Product not found or inactive');
    const line = (
      await q<{ quantity: number }>('cart_upsert', CART.upsertLine, [cart.id, variant.product_id, variant.id, quantity], client)
    ).rows[0]!;
    if (line.quantity > 999 || line.quantity > variant.stock) throw new HttpError(400, `Only ${variant.stock} items available in stock`);
    return cartView(client, cart);
  });
}

/** The whole cart: its lines with their products, and the totals (as the project answers every cart write). */
async function cartView(client: pg.PoolClient, cart: { id: number; created_at: Date; updated_at: Date }) {
  const lines = (await q<LineRow>('cart_lines', CART.lines, [cart.id], client)).rows;
  let total = 0;
  let items = 0;
  const views = lines.map(({ id: lineId, quantity: n, added_at, v_id, v_sku, v_title, v_options, unit_price, ...product_ }) => {
    const subtotal = toPaise(unit_price as string) * n;
    total += subtotal;
    items += n;
    return {
      id: lineId,
      product: product_,
      variant: { id: v_id, sku: v_sku, title: v_title, options: v_options },
      unit_price,
      quantity: n,
      subtotal: fromPaise(subtotal),
      added_at,
    };
  });
  return { id: cart.id, items: views, total_items: items, total_amount: fromPaise(total), created_at: cart.created_at, updated_at: cart.updated_at };
}

/** Applies a promotion code to the caller's cart (checkout money): the cart back, as the project answers. */
async function cartPromotion(request: FastifyRequest<{ Body: { code?: string } }>) {
  const userId = userOf(request);
  const code = String(request.body?.code ?? '');
  return inTransaction(async (client) => {
    const cart = (
      await q<{ id: number; created_at: Date; updated_at: Date }>(
        'cart_promotion',
        `update carts set promotion_id = p.id, updated_at = now() from promotions p
         where carts.user_id = $1 and lower(p.code) = lower($2) and p.is_active
         returning carts.id, carts.created_at, carts.updated_at`,
        [userId, code],
        client,
      )
    ).rows[0];
    if (!cart) throw new HttpError(400, 'promotion_not_found');
    return cartView(client, cart);
  });
}

const CHECKOUT = {
  lockCart: `update carts set updated_at = now() where user_id = $1 returning id`,
  // The lines with their variants and products, locked in the lock order (each product, then
  // its variants), in one statement as the project's checkout does.
  lines: `select p.id as product_id, v.id as variant_id, i.quantity, p.name, v.sku, v.title, v.options, v.price, v.stock,
                 p.is_active and v.is_active as is_active
          from cart_items i join product_variants v on v.id = i.variant_id join products p on p.id = v.product_id
          where i.cart_id = $1 order by p.id, v.id for no key update of p, v`,
  // Conditional: a line whose stock fell short updates nothing, and the count tells. The
  // table's trigger carries the change to the product's stock.
  decrement: `update product_variants v set stock = v.stock - l.q, updated_at = now()
              from unnest($1::int[], $2::int[]) as l(id, q)
              where v.id = l.id and v.stock >= l.q`,
  order: `insert into orders (order_number, user_id, total_amount, subtotal, shipping_address, payment_deadline)
          values ($1, $2, $3, $3, $4, now() + interval '30 minutes')
          returning id, order_number, total_amount, status, payment_status, shipping_address, created_at, updated_at`,
  items: `insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, variant_options,
                                   quantity, price_at_purchase)
          select $1::int, * from unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::int[], $9::numeric[])
          returning id, product_id as product, variant_id, product_name, sku, variant_title, variant_options,
                    quantity, price_at_purchase`,
  empty: `delete from cart_items where cart_id = $1`,
};

const MONEY = {
  lockCart: `update carts set updated_at = now() where user_id = $1 returning id, promotion_id`,
  claim: `update promotions set times_used = times_used + 1
          where id = $1 and is_active and (usage_limit is null or times_used < usage_limit) returning kind, value`,
  lines: `select p.id as product_id, v.id as variant_id, i.quantity, p.name, v.sku, v.title, v.options, v.price, v.stock,
                 p.is_active and v.is_active as is_active,
                 coalesce((select rate from tax_classes where id = coalesce(v.tax_class_id, p.tax_class_id)),
                          (select rate from tax_classes where is_default), 0) as tax_rate
          from cart_items i join product_variants v on v.id = i.variant_id join products p on p.id = v.product_id
          where i.cart_id = $1 order by p.id, v.id for no key update of p, v`,
  method: `select price, free_over from shipping_methods where id = $1 and is_active`,
  order: `insert into orders (order_number, user_id, total_amount, shipping_address, payment_deadline, subtotal, discount_total,
                              shipping_total, tax_total, igst, promotion_id, shipping_method_id)
          values ($1, $2, $3, $4, now() + interval '30 minutes', $5, $6, $7, $8, $8, $9, $10)
          returning id, order_number, total_amount, status, payment_status, shipping_address, created_at, updated_at`,
  items: `insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, variant_options,
                                   quantity, price_at_purchase, discount, tax_rate, tax_amount)
          select $1::int, * from unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::int[], $9::numeric[],
                                        $10::numeric[], $11::numeric[], $12::numeric[])
          returning id, product_id as product, variant_id, product_name, sku, variant_title, variant_options,
                    quantity, price_at_purchase, discount, tax_rate, tax_amount`,
  empty: `with d as (delete from cart_items where cart_id = $1) update carts set promotion_id = null where id = $1`,
};

/** Checkout with a code, a shipping method and tax: the same statements the project's needs, nothing more. */
async function checkoutMoney(userId: number, shipping: string, methodId: number) {
  return inTransaction(async (client) => {
    const cart = (await q<{ id: number; promotion_id: number | null }>('cm_cart', MONEY.lockCart, [userId], client)).rows[0];
    const promo = cart?.promotion_id
      ? (await q<{ kind: string; value: string }>('cm_claim', MONEY.claim, [cart.promotion_id], client)).rows[0]
      : undefined;
    if (cart?.promotion_id && !promo) throw new HttpError(400, 'promotion_exhausted');
    type Line = { product_id: number; variant_id: number; quantity: number; name: string; sku: string; title: string;
      options: unknown; price: string; stock: number; is_active: boolean; tax_rate: string };
    const lines = cart ? (await q<Line>('cm_lines', MONEY.lines, [cart.id], client)).rows : [];
    if (!cart || !lines.length) throw new HttpError(400, 'Your cart is empty.');
    const method = (await q<{ price: string; free_over: string | null }>('cm_method', MONEY.method, [methodId], client)).rows[0];
    if (!method) throw new HttpError(400, 'no_shipping_method');
    let subtotal = 0n;
    const subs = lines.map((l) => {
      if (!l.is_active || l.stock < l.quantity) throw new HttpError(400, `Insufficient stock for variant ${l.variant_id}`);
      const sub = BigInt(toPaise(l.price)) * BigInt(l.quantity);
      subtotal += sub;
      return sub;
    });
    const discount = promo ? (subtotal * BigInt(toPaise(promo.value)) * 2n + 10_000n) / 20_000n : 0n;
    // Proportional shares, the remainder to the first line (the project allocates by largest remainder).
    const shares = subs.map((sub) => (subtotal ? (discount * sub) / subtotal : 0n));
    shares[0]! += discount - shares.reduce((a, b) => a + b, 0n);
    const taxes = lines.map((l, i) => {
      const rate = BigInt(toPaise(l.tax_rate));
      const net = subs[i]! - shares[i]!;
      return (2n * net * rate + 10_000n + rate) / (2n * (10_000n + rate));
    });
    const tax = taxes.reduce((a, b) => a + b, 0n);
    const net = subtotal - discount;
    const shippingPaise = method.free_over !== null && net >= BigInt(toPaise(method.free_over)) ? 0n : BigInt(toPaise(method.price));
    const money = (p: bigint) => fromPaise(Number(p));
    const ids = lines.map((l) => l.variant_id);
    const quantities = lines.map((l) => l.quantity);
    const decremented = await q('co_decrement', CHECKOUT.decrement, [ids, quantities], client);
    if (decremented.rowCount !== lines.length) throw new HttpError(400, 'Insufficient stock');
    const orderNumber = `ORD-${randomBytes(6).toString('hex').toUpperCase()}`;
    const row = (
      await q<{ id: number }>('cm_order', MONEY.order, [orderNumber, userId, money(net + shippingPaise), shipping, money(subtotal),
        money(discount), money(shippingPaise), money(tax), cart.promotion_id, methodId], client)
    ).rows[0]!;
    const items = (
      await q('cm_items', MONEY.items, [
        row.id,
        lines.map((l) => l.product_id),
        ids,
        lines.map((l) => l.name),
        lines.map((l) => l.sku),
        lines.map((l) => l.title),
        lines.map((l) => JSON.stringify(l.options)),
        quantities,
        lines.map((l) => l.price),
        shares.map(money),
        lines.map((l) => l.tax_rate),
        taxes.map(money),
      ], client)
    ).rows;
    await q('cm_empty', MONEY.empty, [cart.id], client);
    return { ...row, items };
  });
}

async function checkout(
  request: FastifyRequest<{ Body: { shipping_address?: string; shipping_method_id?: number } }>,
  reply: FastifyReply,
) {
  const userId = userOf(request);
  const shipping = request.body?.shipping_address?.trim();
  if (!shipping) throw new HttpError(400, 'shipping_address required');
  const methodId = request.body?.shipping_method_id;
  if (methodId !== undefined) return reply.code(201).send(await checkoutMoney(userId, shipping, Number(methodId)));
  const order = await inTransaction(async (client) => {
    const cart = (await q<{ id: number }>('co_cart', CHECKOUT.lockCart, [userId], client)).rows[0];
    type Line = {
      product_id: number;
      variant_id: number;
      quantity: number;
      name: string;
      sku: string;
      title: string;
      options: unknown;
      price: string;
      stock: number;
      is_active: boolean;
    };
    const lines = cart ? (await q<Line>('co_lines', CHECKOUT.lines, [cart.id], client)).rows : [];
    if (!cart || !lines.length) throw new HttpError(400, 'Your cart is empty.');
    const ids = lines.map((l) => l.variant_id);
    let total = 0;
    for (const line of lines) {
      if (!line.is_active || line.stock < line.quantity) throw new HttpError(400, `Insufficient stock for variant ${line.variant_id}`);
      total += toPaise(line.price) * line.quantity;
    }
    const quantities = lines.map((l) => l.quantity);
    const decremented = await q('co_decrement', CHECKOUT.decrement, [ids, quantities], client);
    if (decremented.rowCount !== lines.length) throw new HttpError(400, 'Insufficient stock');
    const orderNumber = `ORD-${randomBytes(6).toString('hex').toUpperCase()}`;
    const row = (await q<{ id: number }>('co_order', CHECKOUT.order, [orderNumber, userId, fromPaise(total), shipping], client)).rows[0]!;
    const items = (
      await q('co_items', CHECKOUT.items, [
        row.id,
        lines.map((l) => l.product_id),
        ids,
        lines.map((l) => l.name),
        lines.map((l) => l.sku),
        lines.map((l) => l.title),
        lines.map((l) => JSON.stringify(l.options)),
        quantities,
        lines.map((l) => l.price),
      ], client)
    ).rows;
    await q('co_empty', CHECKOUT.empty, [cart.id], client);
    return { ...row, items };
  });
  return reply.code(201).send(order);
}

// ---- the server -------------------------------------------------------------------------------
const app = Fastify({ logger: false });
app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
  const status = err instanceof HttpError ? err.status : (err.statusCode ?? 500);
  if (status >= 500) console.error('bare:', err);
  void reply.code(status).send({ status, detail: err.message });
});
app.get('/health', async () => ({ ok: true }));
app.get('/api/products/', listProducts);
app.get('/api/products/:id/', productDetail);
app.get('/api/analytics/dashboard/', dashboard);
app.get('/api/analytics/sales-report/', salesReport);
app.post('/api/auth/login/', login);
app.post('/api/cart/add/', cartAdd);
app.post('/api/cart/promotion/', cartPromotion);
app.post('/api/orders/create_order/', checkout);

await app.listen({ port: PORT, host: HOST });
// The benchmark is over: nothing to finish.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
