import { inArray, sql } from 'drizzle-orm';
import { slugify } from '../lib/slug.js';
import type { Db, Executor } from './client.js';
import { categories, products } from './schema/index.js';
import { type AddImage, seedVariantProducts } from './seed-variants.js';

interface Leaf {
  items: string[];
  brands: string[];
  variants: string[];
  /** Price range in whole rupees; prices end in 9 or 99 like a real shop's. */
  price: [number, number];
}

type Tree = Record<string, { description: string; children?: Tree; leaf?: Leaf }>;

const TREE: Tree = {
  Electronics: {
    description: 'Phones, computers, audio and cameras.',
    children: {
      'Mobile Phones': {
        description: 'Smartphones and feature phones.',
        leaf: {
          items: ['Smartphone', 'Pro Smartphone', 'Lite Smartphone', '5G Phone', 'Feature Phone'],
          brands: ['Samsung', 'OnePlus', 'Xiaomi', 'Motorola'],
          variants: ['128 GB', '256 GB', '8 GB RAM'],
          price: [1499, 89999],
        },
      },
      Laptops: {
        description: 'Notebooks for work, study and play.',
        leaf: {
          items: ['Ultrabook', 'Gaming Laptop', 'Chromebook', 'Business Laptop', '2-in-1 Laptop'],
          brands: ['Lenovo', 'HP', 'Dell', 'Asus', 'Acer'],
          variants: ['14 inch', '15.6 inch', '16 GB RAM'],
          price: [24999, 189999],
        },
      },
      Audio: {
        description: 'Listen anywhere.',
        children: {
          Headphones: {
            description: 'Over-ear, on-ear and in-ear.',
            leaf: {
              items: ['Wireless Headphones', 'Noise Cancelling Headphones', 'Earbuds', 'Neckband', 'Studio Headphones'],
              brands: ['Sony', 'boAt', 'JBL', 'Sennheiser'],
              variants: ['Black', 'Blue', 'White'],
              price: [799, 29999],
            },
          },
          Speakers: {
            description: 'Portable and home speakers.',
            leaf: {
              items: ['Bluetooth Speaker', 'Soundbar', 'Party Speaker', 'Smart Speaker'],
              brands: ['JBL', 'Bose', 'Marshall', 'boAt'],
              variants: ['Mini', 'Max', 'Gen 2'],
              price: [1299, 49999],
            },
          },
        },
      },
      Cameras: {
        description: 'Mirrorless, action and instant cameras.',
        leaf: {
          items: ['Mirrorless Camera', 'Action Camera', 'Instant Camera', 'Camera Lens 50mm', 'Tripod'],
          brands: ['Canon', 'Nikon', 'Fujifilm', 'GoPro'],
          variants: ['Kit', 'Body Only', 'Bundle'],
          price: [1999, 149999],
        },
      },
    },
  },
  'Home & Kitchen': {
    description: 'Everything for the home.',
    children: {
      Cookware: {
        description: 'Pots, pans and pressure cookers.',
        leaf: {
          items: ['Pressure Cooker', 'Non-stick Frying Pan', 'Kadai', 'Tawa', 'Stainless Steel Pot Set'],
          brands: ['Prestige', 'Hawkins', 'Pigeon', 'Meyer'],
          variants: ['3 L', '5 L', '24 cm', '28 cm'],
          price: [399, 6999],
        },
      },
      Appliances: {
        description: 'Small appliances for the kitchen.',
        leaf: {
          items: ['Mixer Grinder', 'Air Fryer', 'Electric Kettle', 'Induction Cooktop', 'Toaster'],
          brands: ['Philips', 'Bajaj', 'Havells', 'Morphy Richards'],
          variants: ['750 W', '1200 W', 'Compact'],
          price: [899, 14999],
        },
      },
      Furniture: {
        description: 'Chairs, tables and storage.',
        leaf: {
          items: ['Office Chair', 'Study Table', 'Bookshelf', 'Bean Bag', 'Shoe Rack'],
          brands: ['Nilkamal', 'Green Soul', 'Wakefit', 'Durian'],
          variants: ['Walnut', 'Oak', 'Black'],
          price: [999, 34999],
        },
      },
    },
  },
  Fashion: {
    description: 'Clothing, footwear and accessories.',
    children: {
      'Men’s Clothing': {
        description: 'Shirts, jeans and more.',
        leaf: {
          items: ['Cotton Shirt', 'Slim Fit Jeans', 'Polo T-Shirt', 'Kurta', 'Chinos'],
          brands: ['Levi’s', 'Allen Solly', 'Peter England', 'Fabindia'],
          variants: ['M', 'L', 'XL'],
          price: [399, 3999],
        },
      },
      'Women’s Clothing': {
        description: 'Kurtis, dresses and more.',
        leaf: {
          items: ['Printed Kurti', 'Maxi Dress', 'Saree', 'Palazzo Pants', 'Denim Jacket'],
          brands: ['Biba', 'W', 'Aurelia', 'Global Desi'],
          variants: ['S', 'M', 'L'],
          price: [499, 7999],
        },
      },
      Footwear: {
        description: 'Shoes, sandals and sneakers.',
        leaf: {
          items: ['Running Shoes', 'Sneakers', 'Sandals', 'Formal Shoes', 'Flip Flops'],
          brands: ['Nike', 'Adidas', 'Puma', 'Bata'],
          variants: ['UK 7', 'UK 8', 'UK 9'],
          price: [299, 12999],
        },
      },
    },
  },
  Books: {
    description: 'Fiction, non-fiction and learning.',
    children: {
      Fiction: {
        description: 'Novels and stories.',
        leaf: {
          items: ['Mystery Novel', 'Fantasy Saga', 'Short Story Collection', 'Historical Novel', 'Thriller'],
          brands: ['Penguin', 'HarperCollins', 'Rupa', 'Westland'],
          variants: ['Paperback', 'Hardcover'],
          price: [149, 999],
        },
      },
      'Non-fiction': {
        description: 'Biographies, science and self-help.',
        leaf: {
          items: ['Biography', 'Popular Science', 'Personal Finance Guide', 'Cookbook', 'Travel Guide'],
          brands: ['Penguin', 'Bloomsbury', 'Hachette', 'Pan Macmillan'],
          variants: ['Paperback', 'Hardcover'],
          price: [199, 1499],
        },
      },
    },
  },
  'Sports & Outdoors': {
    description: 'Fitness, cycling and camping gear.',
    children: {
      Fitness: {
        description: 'Train at home or in the gym.',
        leaf: {
          items: ['Yoga Mat', 'Dumbbell Set', 'Resistance Bands', 'Skipping Rope', 'Fitness Tracker'],
          brands: ['Decathlon', 'Boldfit', 'Strauss', 'Cult'],
          variants: ['Standard', 'Pro'],
          price: [199, 9999],
        },
      },
      Cycling: {
        description: 'Bicycles and accessories.',
        leaf: {
          items: ['Mountain Bike', 'City Bicycle', 'Cycling Helmet', 'Bike Light Set', 'Bike Lock'],
          brands: ['Hero', 'Btwin', 'Firefox', 'Hercules'],
          variants: ['26 inch', '27.5 inch', 'One Size'],
          price: [349, 39999],
        },
      },
      Camping: {
        description: 'Tents, bags and lights.',
        leaf: {
          items: ['Dome Tent', 'Sleeping Bag', 'Trekking Backpack', 'Camping Lantern', 'Water Bottle'],
          brands: ['Quechua', 'Wildcraft', 'Coleman', 'Milton'],
          variants: ['2 Person', '4 Person', '40 L'],
          price: [249, 19999],
        },
      },
    },
  },
  Beauty: {
    description: 'Skin care and grooming.',
    leaf: {
      items: ['Face Wash', 'Moisturiser', 'Sunscreen SPF 50', 'Beard Trimmer', 'Hair Dryer'],
      brands: ['Himalaya', 'Nivea', 'Mamaearth', 'Philips'],
      variants: ['100 ml', '200 ml', 'Travel Size'],
      price: [149, 4999],
    },
  },
};

/** Deterministic PRNG (mulberry32), so the demo catalog is the same on every machine. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shop-like price string ("1299.00", "24999.00", "349.00") in integer arithmetic. */
function shopPrice(rand: () => number, [min, max]: [number, number]): string {
  const rupees = Math.round(min * Math.pow(max / min, rand()));
  const rounded = rupees < 1000 ? Math.floor(rupees / 10) * 10 + 9 : Math.floor(rupees / 100) * 100 + 99;
  return `${Math.max(rounded, 9)}.00`;
}

interface CategoryRow {
  name: string;
  slug: string;
  description: string;
  parentSlug: string | null;
  leaf?: Leaf;
}

function flatten(tree: Tree, parentSlug: string | null = null, out: CategoryRow[] = []) {
  for (const [name, node] of Object.entries(tree)) {
    const slug = slugify(name);
    out.push({ name, slug, description: node.description, parentSlug, leaf: node.leaf });
    if (node.children) flatten(node.children, slug, out);
  }
  return out;
}

/**
 * Loads the demo catalog: ~20 categories in a tree, ~300 products and a few with options
 * and variants (with generated pictures when `addImage` is given). Safe to run again.
 */
export async function seedDemoCatalog(db: Db, addImage?: AddImage) {
  const rows = flatten(TREE);
  const result = await db.transaction(async (tx) => {
    const ids = new Map<string, number>();
    for (const row of rows) {
      await tx
        .insert(categories)
        .values({
          name: row.name,
          slug: row.slug,
          description: row.description,
          parentId: row.parentSlug ? ids.get(row.parentSlug)! : null,
        })
        .onConflictDoNothing();
      const [found] = await tx
        .select({ id: categories.id })
        .from(categories)
        .where(sql`${categories.slug} = ${row.slug}`);
      ids.set(row.slug, found!.id);
    }

    const rand = random(20_260_120);
    const values: (typeof products.$inferInsert)[] = [];
    for (const row of rows) {
      if (!row.leaf) continue;
      const { items, brands, variants, price } = row.leaf;
      for (let i = 0; i < 20; i++) {
        const item = items[i % items.length]!;
        const brand = brands[Math.floor(rand() * brands.length)]!;
        const variant = variants[Math.floor(rand() * variants.length)]!;
        const name = `${brand} ${item} ${variant}`;
        const slug = slugify(name);
        if (values.some((v) => v.slug === slug)) continue;
        values.push({
          name,
          slug,
          description: `${name}: ${row.description.toLowerCase().replace(/\.$/, '')}. Genuine ${brand} product with warranty.`,
          price: shopPrice(rand, price),
          priceMax: '0',
          stock: rand() < 0.08 ? Math.floor(rand() * 5) : 5 + Math.floor(rand() * 200),
          imageUrl: `https://picsum.photos/seed/${slug}/600/600`,
          isFeatured: rand() < 0.06,
          categoryId: ids.get(row.slug)!,
        });
      }
    }
    for (const v of values) v.priceMax = v.price;
    const created = await tx
      .insert(products)
      .values(values)
      .onConflictDoNothing()
      .returning({ id: products.id });
    await insertDefaultVariants(tx);
    const [{ count }] = (await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(products)
      .where(inArray(products.categoryId, [...ids.values()]))) as [{ count: number }];
    return { ids, categories: ids.size, products: count, createdProducts: created.length };
  });
  const variantProducts = await seedVariantProducts(db, result.ids, addImage);
  return {
    categories: result.categories,
    products: result.products + variantProducts,
    createdProducts: result.createdProducts + variantProducts,
  };
}

/** Gives every product without a variant its default one (price, stock, the slug as SKU). */
export async function insertDefaultVariants(ex: Executor): Promise<void> {
  await ex.execute(sql`
    insert into product_variants (product_id, sku, title, options, price, stock)
    select p.id, case when length(p.slug) <= 64 then p.slug else left(p.slug, 52) || '-' || p.id end,
           'Default', '{}'::jsonb, p.price, p.stock
    from products p
    where not exists (select 1 from product_variants v where v.product_id = p.id)
    order by p.id`);
}
