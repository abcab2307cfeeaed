/**
 * The demo catalog's products with options and variants (apparel in sizes and colours,
 * devices in storage sizes), each with generated pictures, so that a new shop shows them on
 * /admin and in the API at once. Written straight to the tables (the trigger of migration
 * 0007 keeps each product's price, price_max and stock from its variants); pictures go
 * through the media service like an upload.
 */
import { eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { slugify } from '../lib/slug.js';
import type { Db } from './client.js';
import { products, productVariants } from './schema/index.js';

interface DemoProduct {
  name: string;
  category: string;
  description: string;
  options: { name: string; values: string[] }[];
  /** Price in rupees of a combination of values. */
  price: (values: Record<string, string>) => number;
  /** Short code for SKUs ("TEE" → TEE-BLK-M). */
  code: string;
  /** The option whose values get a picture each (else one picture for the product). */
  pictureBy?: string;
  featured?: boolean;
}

const COLOURS: Record<string, string> = {
  Black: '#1f2328', White: '#f2f2ef', Navy: '#1d2f5a', Ivory: '#f4eedc', Sage: '#9cae8f', Grey: '#8a8f98',
  Orange: '#e8702a', Graphite: '#3b3f45', Silver: '#c9ccd1', Blue: '#2f6fd6',
};

const DEMO: DemoProduct[] = [
  {
    name: 'Essential Crew T-Shirt',
    category: 'Men’s Clothing',
    code: 'TEE',
    description: 'A heavyweight cotton crew-neck T-shirt that keeps its shape wash after wash.',
    options: [
      { name: 'Size', values: ['S', 'M', 'L', 'XL'] },
      { name: 'Colour', values: ['Black', 'White', 'Navy'] },
    ],
    price: (v) => (v.Size === 'XL' ? 549 : 499),
    pictureBy: 'Colour',
    featured: true,
  },
  {
    name: 'Relaxed Linen Kurta',
    category: 'Women’s Clothing',
    code: 'KURTA',
    description: 'A breathable pure-linen kurta with a relaxed fit and side slits.',
    options: [
      { name: 'Size', values: ['XS', 'S', 'M', 'L'] },
      { name: 'Colour', values: ['Ivory', 'Sage'] },
    ],
    price: () => 1299,
    pictureBy: 'Colour',
  },
  {
    name: 'Trail Running Shoes',
    category: 'Footwear',
    code: 'TRAIL',
    description: 'Grippy, cushioned trail shoes with a rock plate and a quick-lace system.',
    options: [
      { name: 'Size', values: ['UK 6', 'UK 7', 'UK 8', 'UK 9', 'UK 10'] },
      { name: 'Colour', values: ['Grey', 'Orange'] },
    ],
    price: () => 3499,
    pictureBy: 'Colour',
    featured: true,
  },
  {
    name: 'Nova 5G Smartphone',
    category: 'Mobile Phones',
    code: 'NOVA5G',
    description: 'A 6.5-inch 120 Hz phone with a 50 MP camera and two-day battery.',
    options: [
      { name: 'Storage', values: ['128 GB', '256 GB', '512 GB'] },
      { name: 'Colour', values: ['Graphite', 'Silver'] },
    ],
    price: (v) => ({ '128 GB': 24_999, '256 GB': 27_999, '512 GB': 32_999 })[v.Storage!]!,
    pictureBy: 'Colour',
    featured: true,
  },
  {
    name: 'AirLite 14 Ultrabook',
    category: 'Laptops',
    code: 'AIRLITE14',
    description: 'A 1.1 kg 14-inch laptop with an all-day battery and a 2.8K display.',
    options: [
      { name: 'Memory', values: ['16 GB', '32 GB'] },
      { name: 'Storage', values: ['512 GB', '1 TB'] },
    ],
    price: (v) => 64_999 + (v.Memory === '32 GB' ? 12_000 : 0) + (v.Storage === '1 TB' ? 8_000 : 0),
  },
  {
    name: 'Studio Wireless Headphones',
    category: 'Headphones',
    code: 'STUDIO',
    description: 'Over-ear wireless headphones with adaptive noise cancelling and 40-hour battery.',
    options: [{ name: 'Colour', values: ['Black', 'White', 'Blue'] }],
    price: () => 7999,
    pictureBy: 'Colour',
  },
];

/** Every combination of the options' values, in display order. */
function combinations(options: DemoProduct['options']): Record<string, string>[] {
  return options.reduce<Record<string, string>[]>(
    (acc, option) => acc.flatMap((partial) => option.values.map((value) => ({ ...partial, [option.name]: value }))),
    [{}],
  );
}

const skuPart = (value: string) => value.toUpperCase().replace(/[^A-Z0-9]+/g, '');

/** A 1200 × 1200 product picture: the colour as a background with the product's name. */
async function picture(name: string, label: string, colour: string): Promise<Buffer> {
  const dark = /^#([0-9a-f]{2})/i.exec(colour) && parseInt(colour.slice(1, 3), 16) < 140;
  const ink = dark ? '#ffffff' : '#1f2328';
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1200">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${colour}"/><stop offset="1" stop-color="${colour}" stop-opacity="0.75"/>
    </linearGradient></defs>
    <rect width="1200" height="1200" fill="url(#g)"/>
    <circle cx="600" cy="520" r="260" fill="${ink}" fill-opacity="0.08"/>
    <text x="600" y="560" font-family="sans-serif" font-size="150" font-weight="700" text-anchor="middle" fill="${ink}">${escape(
      name.split(' ').map((w) => w[0]).join('').slice(0, 3),
    )}</text>
    <text x="600" y="900" font-family="sans-serif" font-size="64" text-anchor="middle" fill="${ink}">${escape(name)}</text>
    <text x="600" y="990" font-family="sans-serif" font-size="48" text-anchor="middle" fill="${ink}" fill-opacity="0.7">${escape(label)}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Stores a picture for a product (the media service's upload path); answers the image's id. */
export type AddImage = (productId: number, bytes: Buffer, alt: string) => Promise<number>;

/**
 * Adds the demo products with variants that are not there yet (by slug); with `addImage`,
 * their pictures too, and each variant points at its colour's picture. Answers how many
 * products were created.
 */
export async function seedVariantProducts(db: Db, categoryIds: Map<string, number>, addImage?: AddImage): Promise<number> {
  let created = 0;
  for (const demo of DEMO) {
    const slug = slugify(demo.name);
    const categoryId = categoryIds.get(slugify(demo.category));
    if (categoryId === undefined) continue;
    const [existing] = await db.select({ id: products.id }).from(products).where(eq(products.slug, slug));
    if (existing) continue;
    const combos = combinations(demo.options);
    const prices = combos.map((c) => demo.price(c));
    const productId = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(products)
        .values({
          name: demo.name,
          slug,
          description: demo.description,
          price: `${Math.min(...prices)}.00`,
          priceMax: `${Math.max(...prices)}.00`,
          stock: 0,
          options: demo.options,
          isFeatured: demo.featured ?? false,
          categoryId,
        })
        .returning({ id: products.id });
      await tx.insert(productVariants).values(
        combos.map((values, i) => ({
          productId: row!.id,
          sku: [demo.code, ...demo.options.map((o) => skuPart(values[o.name]!))].join('-'),
          title: demo.options.map((o) => values[o.name]).join(' / '),
          options: values,
          price: `${prices[i]}.00`,
          // Some combinations sold out, some low, most in stock: as a real shop looks.
          stock: i % 7 === 3 ? 0 : i % 5 === 1 ? 3 : 12 + ((i * 17) % 40),
          weightGrams: demo.code === 'AIRLITE14' ? 1100 : demo.code === 'NOVA5G' ? 190 : 350,
          position: i,
        })),
      );
      return row!.id;
    });
    created++;
    if (!addImage) continue;
    const pictureValues = demo.pictureBy ? demo.options.find((o) => o.name === demo.pictureBy)!.values : [''];
    for (const value of pictureValues) {
      const colour = COLOURS[value] ?? '#5b6b8c';
      const alt = value ? `${demo.name} in ${value}` : demo.name;
      const imageId = await addImage(productId, await picture(demo.name, value, colour), alt);
      if (demo.pictureBy) {
        const ids = (await db
          .select({ id: productVariants.id, options: productVariants.options })
          .from(productVariants)
          .where(eq(productVariants.productId, productId)))
          .filter((v) => v.options[demo.pictureBy!] === value)
          .map((v) => v.id);
        if (ids.length) await db.update(productVariants).set({ imageId }).where(inArray(productVariants.id, ids));
      }
    }
  }
  return created;
}
