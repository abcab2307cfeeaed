import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { insertDefaultVariants } from '../src/db/seed.js';

const ADJECTIVES = ['Wireless', 'Smart', 'Classic', 'Portable', 'Premium', 'Compact', 'Ultra', 'Eco', 'Pro', 'Mini',
  'Deluxe', 'Rugged', 'Slim', 'Turbo', 'Silent', 'Vintage', 'Modern', 'Sport', 'Travel', 'Studio'];
const NOUNS = ['Headphones', 'Speaker', 'Kettle', 'Backpack', 'Lamp', 'Keyboard', 'Mouse', 'Monitor', 'Chair', 'Desk',
  'Blender', 'Toaster', 'Jacket', 'Sneakers', 'Watch', 'Camera', 'Tripod', 'Tent', 'Bottle', 'Helmet',
  'Router', 'Charger', 'Cable', 'Novel', 'Cookbook', 'Yoga Mat', 'Dumbbell', 'Bicycle', 'Sunglasses', 'Wallet'];

const pgArray = (items: string[]) => `{${items.map((i) => `"${i}"`).join(',')}}`;

/**
 * A large synthetic catalog in a few set-based statements (generate_series, not one row
 * per round trip): 10 top-level categories with 10 children each, and `count` products
 * spread over the children with realistic names, prices, stock and creation times.
 */
export async function generateCatalog(db: Db, count: number, prefix = 'gen') {
  await db.execute(sql`
    insert into categories (name, slug, description, parent_id)
    select ${prefix} || ' department ' || g, ${prefix} || '-department-' || g, 'Generated department', null
    from generate_series(1, 10) g
    on conflict do nothing`);
  await db.execute(sql`
    insert into categories (name, slug, description, parent_id)
    select ${prefix} || ' aisle ' || d || '-' || a, ${prefix} || '-aisle-' || d || '-' || a, 'Generated aisle',
           (select id from categories where slug = ${prefix} || '-department-' || d)
    from generate_series(1, 10) d, generate_series(1, 10) a
    on conflict do nothing`);
  await db.execute(sql`
    insert into products (name, slug, description, price, price_max, stock, category_id, is_active, is_featured, created_at)
    select adj || ' ' || noun || ' ' || g,
           ${prefix} || '-product-' || g,
           'The ' || lower(adj) || ' ' || lower(noun) || ' model ' || g || ', with a two-year warranty and free delivery.',
           round((99 + (hashint4(g) & 65535) * 1.5)::numeric, 0) - 0.01,
           round((99 + (hashint4(g) & 65535) * 1.5)::numeric, 0) - 0.01,
           case when g % 17 = 0 then 0 else (hashint4(g * 7) & 255) end,
           (select id from categories where slug = ${prefix} || '-aisle-' || (1 + g % 10) || '-' || (1 + (g / 10) % 10)),
           g % 20 <> 0,
           g % 97 = 0,
           now() - (g || ' minutes')::interval
    from generate_series(1, ${count}) g,
         lateral (select (${pgArray(ADJECTIVES)}::text[])[1 + g % ${ADJECTIVES.length}] as adj,
                         (${pgArray(NOUNS)}::text[])[1 + (g / ${ADJECTIVES.length}) % ${NOUNS.length}] as noun) words
    on conflict do nothing`);
  await insertDefaultVariants(db);
  await db.execute(sql`analyze categories`);
  await db.execute(sql`analyze product_variants`);
  await db.execute(sql`analyze products`);
}

const SIZES = ['S', 'M', 'L', 'XL', 'XXL'];

/**
 * Makes every generated product (slug `<prefix>-product-N`) a product with `perProduct`
 * variants in one option, Size: the default variant becomes size S, and sizes M, L, … are
 * added at 10 % more each, with stock of their own. Set-based, like generateCatalog.
 */
export async function generateVariants(db: Db, perProduct: number, prefix = 'gen') {
  const sizes = SIZES.slice(0, perProduct);
  await db.execute(sql`
    update products set options = jsonb_build_array(jsonb_build_object('name', 'Size', 'values', ${JSON.stringify(sizes)}::jsonb))
    where slug like ${`${prefix}-product-%`} and options = '[]'::jsonb`);
  await db.execute(sql`
    update product_variants v set options = jsonb_build_object('Size', 'S'), title = 'S'
    from products p where p.id = v.product_id and p.slug like ${`${prefix}-product-%`} and v.options = '{}'::jsonb`);
  await db.execute(sql`
    insert into product_variants (product_id, sku, title, options, price, stock, position)
    select p.id, p.slug || '-' || lower(s.size), s.size, jsonb_build_object('Size', s.size),
           round(v.price * (1 + 0.1 * s.n), 2), (hashint4(p.id * 31 + s.n::int) & 255), s.n::int
    from products p
    join product_variants v on v.product_id = p.id and v.options = jsonb_build_object('Size', 'S')
    cross join lateral unnest(${`{${sizes.slice(1).join(',')}}`}::text[]) with ordinality as s(size, n)
    where p.slug like ${`${prefix}-product-%`}
    on conflict do nothing`);
  await db.execute(sql`analyze product_variants`);
  await db.execute(sql`analyze products`);
}

/**
 * Gives every generated product `perProduct` image rows (keys made from the product id; no
 * files: the bench reads the API, not the media), the first one as the list's thumbnail.
 */
export async function generateImages(db: Db, perProduct: number, prefix = 'gen') {
  await db.execute(sql`
    insert into product_images (product_id, key, format, alt, width, height, position)
    select p.id, md5(p.id::text || '-' || g), 'jpg', p.name || ' photo ' || (g + 1), 1200, 1200, g
    from products p cross join generate_series(0, ${perProduct - 1}) g
    where p.slug like ${`${prefix}-product-%`}
      and not exists (select 1 from product_images i where i.product_id = p.id)`);
  await db.execute(sql`
    update products p set image_thumb_key = i.key || '/thumb.webp'
    from product_images i where i.product_id = p.id and i.position = 0 and p.slug like ${`${prefix}-product-%`}`);
  await db.execute(sql`update product_variants v set image_id = i.id
    from product_images i where i.product_id = v.product_id and i.position = 0`);
  await db.execute(sql`analyze product_images`);
}
