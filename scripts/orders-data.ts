import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';

/**
 * A large order history in set-based statements: `userCount` users (one shared password
 * hash), `orderCount` orders over the last 365 days with 1–3 items each, ~60% paid, the
 * rest pending, failed, cancelled or further along. Expects products to exist.
 */
export async function generateOrders(db: Db, userCount: number, orderCount: number, passwordHash: string) {
  await db.execute(sql`
    insert into users (username, email, password_hash, first_name, last_name)
    select 'bench' || g, 'bench' || g || '@example.com', ${passwordHash}, 'Bench', 'User ' || g
    from generate_series(1, ${userCount}) g
    on conflict do nothing`);
  await db.execute(sql`
    with u as (select array_agg(id order by id) ids from users where username like 'bench%'),
         p as (select count(*)::int n, min(id) lo from products)
    insert into orders (order_number, user_id, status, payment_status, total_amount, shipping_address, created_at, updated_at)
    select 'ORD-' || upper(lpad(to_hex(g), 12, '0')),
           u.ids[1 + (hashint4(g) & 2147483647) % array_length(u.ids, 1)],
           s.status, s.payment_status, 0, '1 Bench Street, Pune, MH, 411001, India',
           now() - ((hashint4(g * 3) & 2147483647) % (365 * 86400)) * interval '1 second',
           now()
    from generate_series(1, ${orderCount}) g, u,
         lateral (select case (hashint4(g * 5) & 2147483647) % 20
                    when 0 then 'pending' when 1 then 'pending' when 2 then 'payment_failed'
                    when 3 then 'cancelled' when 4 then 'cancelled' when 5 then 'processing'
                    when 6 then 'shipped' when 7 then 'delivered' when 8 then 'delivered'
                    else 'paid' end as status) st,
         lateral (select st.status,
                         case when st.status in ('pending') then 'pending'
                              when st.status = 'payment_failed' then 'failed'
                              when st.status = 'cancelled' then 'pending'
                              else 'success' end as payment_status) s
    on conflict do nothing`);
  await db.execute(sql`
    with p as (select min(id) lo, count(*)::int n from products)
    insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, variant_options,
                             quantity, price_at_purchase)
    select o.id, pr.id, v.id, pr.name, v.sku, v.title, v.options, 1 + (hashint4(o.id * 11 + k) & 3), v.price
    from orders o
    cross join p
    cross join lateral generate_series(1, 1 + (hashint4(o.id) & 2147483647) % 3) k
    join products pr on pr.id = p.lo + (hashint4(o.id * 7 + k * 13) & 2147483647) % p.n
    join lateral (select * from product_variants pv where pv.product_id = pr.id order by pv.id limit 1) v on true
    where o.order_number like 'ORD-0000%' and not exists (select 1 from order_items i where i.order_id = o.id)`);
  await db.execute(sql`
    update orders o set total_amount = t.total, subtotal = t.total
    from (select order_id, sum(quantity * price_at_purchase) total from order_items group by order_id) t
    where t.order_id = o.id and o.total_amount = 0`);
  await db.execute(sql`analyze orders`);
  await db.execute(sql`analyze order_items`);
}
