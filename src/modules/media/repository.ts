import { and, asc, eq, gt, gte, lt, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { productImages, products } from '../../db/schema/index.js';
import type { ImageRow } from './urls.js';

const imageColumns = {
  id: productImages.id,
  key: productImages.key,
  format: productImages.format,
  alt: productImages.alt,
  width: productImages.width,
  height: productImages.height,
  position: productImages.position,
};

/**
 * Serializes the writers of one key's files (uploads of the same bytes, removals of files
 * no row uses any more) until the transaction ends.
 */
export async function lockKey(ex: Executor, key: string): Promise<void> {
  await ex.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`media:${key}`}, 0))`);
}

/** Locks the product row (the lock order's first step); false when there is no such product. */
export async function lockProduct(ex: Executor, productId: number): Promise<boolean> {
  const rows = await ex
    .select({ id: products.id })
    .from(products)
    .where(eq(products.id, productId))
    .for('no key update');
  return rows.length > 0;
}

/** Whether any image row (of any product) still uses the files of `key`. */
export async function keyInUse(ex: Executor, key: string): Promise<boolean> {
  const rows = await ex
    .select({ id: productImages.id })
    .from(productImages)
    .where(eq(productImages.key, key))
    .limit(1);
  return rows.length > 0;
}

/** A product's images in display order. */
export function imagesOf(ex: Executor, productId: number): Promise<ImageRow[]> {
  return ex
    .select(imageColumns)
    .from(productImages)
    .where(eq(productImages.productId, productId))
    .orderBy(asc(productImages.position), asc(productImages.id));
}

/** The distinct keys of a product's images (read before the product is deleted). */
export async function keysOf(ex: Executor, productId: number): Promise<string[]> {
  const rows = await ex
    .selectDistinct({ key: productImages.key })
    .from(productImages)
    .where(eq(productImages.productId, productId));
  return rows.map((r) => r.key);
}

/** Appends an image at the end of the product's list (the product row is locked). */
export async function insertImage(
  ex: Executor,
  productId: number,
  image: { key: string; format: string; alt: string; width: number; height: number },
): Promise<ImageRow> {
  const [row] = await ex
    .insert(productImages)
    .values({
      productId,
      ...image,
      position: sql`(select count(*)::int from ${productImages} where ${productImages.productId} = ${productId})`,
    })
    .returning(imageColumns);
  return row!;
}

/** Locks one image of a product; undefined when the product has no such image. */
export async function lockImage(
  ex: Executor,
  productId: number,
  imageId: number,
): Promise<ImageRow | undefined> {
  const [row] = await ex
    .select(imageColumns)
    .from(productImages)
    .where(and(eq(productImages.id, imageId), eq(productImages.productId, productId)))
    .for('update');
  return row;
}

export async function countImages(ex: Executor, productId: number): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(productImages)
    .where(eq(productImages.productId, productId));
  return row?.n ?? 0;
}

/** Moves an image from `from` to `to`, shifting the ones between by one so positions stay 0..n-1. */
export async function moveImage(
  ex: Executor,
  productId: number,
  imageId: number,
  from: number,
  to: number,
) {
  if (from === to) return;
  const ofProduct = eq(productImages.productId, productId);
  if (to < from) {
    await ex
      .update(productImages)
      .set({ position: sql`${productImages.position} + 1` })
      .where(and(ofProduct, gte(productImages.position, to), lt(productImages.position, from)));
  } else {
    await ex
      .update(productImages)
      .set({ position: sql`${productImages.position} - 1` })
      .where(and(ofProduct, gt(productImages.position, from), lte(productImages.position, to)));
  }
  await ex.update(productImages).set({ position: to }).where(eq(productImages.id, imageId));
}

export async function updateAlt(ex: Executor, imageId: number, alt: string): Promise<void> {
  await ex.update(productImages).set({ alt }).where(eq(productImages.id, imageId));
}

/** Deletes an image and closes the gap it leaves in the positions. */
export async function deleteImage(ex: Executor, productId: number, image: ImageRow): Promise<void> {
  await ex.delete(productImages).where(eq(productImages.id, image.id));
  await ex
    .update(productImages)
    .set({ position: sql`${productImages.position} - 1` })
    .where(and(eq(productImages.productId, productId), gt(productImages.position, image.position)));
}

/**
 * Points products.image_thumb_key at the thumbnail of the image at position 0 (null when
 * none); true when it changed.
 */
export async function refreshThumb(ex: Executor, productId: number): Promise<boolean> {
  const first = sql`(select ${productImages.key} || '/thumb.webp' from ${productImages}
    where ${productImages.productId} = ${productId}
    order by ${productImages.position}, ${productImages.id} limit 1)`;
  const rows = await ex
    .update(products)
    .set({ imageThumbKey: first })
    .where(
      and(eq(products.id, productId), sql`${products.imageThumbKey} is distinct from ${first}`),
    )
    .returning({ id: products.id });
  return rows.length > 0;
}
