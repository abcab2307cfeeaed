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
