import type { FastifyBaseLogger } from 'fastify';
import type { Database, Executor } from '../../db/client.js';
import { NotFound, say, ValidationError } from '../../http/errors.js';
import { bumpCatalogVersion } from '../catalog/index.js';
import { processImage } from './images.js';
import * as repo from './repository.js';
import type { MediaStorage } from './storage.js';
import { IMAGE_SIZES, type ImageRow, type ImageSize, originalPath, sizePath } from './urls.js';

export interface MediaDeps {
  database: Database;
  storage: MediaStorage;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}

const NO_PRODUCT = 'No product with this id.';
const NO_IMAGE = 'This product has no image with this id.';
const MAX_ALT_LENGTH = 300;
/** Images a product may have (positions 0..99). */
const MAX_IMAGES = 100;

/** Every file of a key, whatever the original's format (a key's bytes fix it, but rows record it). */
function filesOfKey(key: string): string[] {
  const sizes = (Object.keys(IMAGE_SIZES) as ImageSize[]).map((size) => sizePath(key, size));
  return [...['jpg', 'png', 'webp', 'avif'].map((format) => originalPath(key, format)), ...sizes];
}

/**
 * Removes the files of `key` unless an image row still uses them. Under the key's lock, so
 * that an upload of the same bytes (which writes under that lock) is never left without files.
 */
async function removeIfUnused(deps: MediaDeps, key: string): Promise<void> {
  await deps.database.db.transaction(async (tx) => {
    await repo.lockKey(tx, key);
    if (await repo.keyInUse(tx, key)) return;
    await deps.storage.delete(filesOfKey(key));
  });
}

/**
 * Removes the files of the keys no row uses any more; a failure is logged, never thrown
 * (the rows are already gone: at worst a file stays behind).
 */
async function removeUnusedImageFiles(
  deps: MediaDeps,
  keys: readonly string[],
): Promise<void> {
  for (const key of new Set(keys)) {
    try {
      await removeIfUnused(deps, key);
    } catch (err) {
      deps.log?.warn({ err, key }, 'media: files of a deleted image could not be removed');
    }
  }
}

/** The image keys of a product, to read in the product's deleting transaction (then removeUnusedImageFiles). */
function productImageKeys(ex: Executor, productId: number): Promise<string[]> {
  return repo.keysOf(ex, productId);
}

/**
 * The catalog's hook around a product's deletion: reads the product's image keys in the
 * deleting transaction; the function it returns removes their files after the commit.
 */
export function removeMediaOnProductDelete(deps: MediaDeps) {
  return async (tx: Executor, productId: number): Promise<() => Promise<void>> => {
    const keys = await productImageKeys(tx, productId);
    return () => removeUnusedImageFiles(deps, keys);
  };
}

/** After a change of images: the product's thumbnail, and the catalog version when it moved. */
async function afterImagesChanged(ex: Executor, productId: number): Promise<void> {
  if (await repo.refreshThumb(ex, productId)) await bumpCatalogVersion(ex);
}

function checkAlt(alt: string): string {
  if (alt.length > MAX_ALT_LENGTH) {
    throw ValidationError.field(
      'alt',
      `Must be at most ${MAX_ALT_LENGTH} characters.`,
    );
  }
  return alt;
}

/**
 * Stores an image for a product from its bytes (the upload route and the seed): files first,
 * under the key's lock, then the row at the end of the product's list. Whatever fails, no row
 * stays and no file stays that no row uses.
 */
export async function addProductImage(
  deps: MediaDeps,
  productId: number,
  bytes: Buffer,
  alt = '',
): Promise<ImageRow> {
  checkAlt(alt);
  const image = await processImage(bytes);
  try {
    return await deps.database.db.transaction(async (tx) => {
      await repo.lockKey(tx, image.key);
      if (!(await repo.lockProduct(tx, productId))) throw new NotFound(NO_PRODUCT);
      if ((await repo.countImages(tx, productId)) >= MAX_IMAGES) {
        throw ValidationError.field(
          'file',
          `A product has at most ${MAX_IMAGES} images; delete one first.`,
        );
      }
      // Every write settles before a failure is thrown, so that the clean-up runs after the last one.
      const writes = await Promise.allSettled(
        image.files.map((f) => deps.storage.put(f.key, f.bytes, f.contentType)),
      );
      const failed = writes.find((w) => w.status === 'rejected');
      if (failed) throw failed.reason;
      const row = await repo.insertImage(tx, productId, {
        key: image.key,
        format: image.format,
        alt,
        width: image.width,
        height: image.height,
      });
      await afterImagesChanged(tx, productId);
      return row;
    });
  } catch (err) {
    await removeUnusedImageFiles(deps, [image.key]);
    throw err;
  }
}

/** Changes an image's alt text and/or position; the others shift so positions stay 0..n-1. */
export async function updateProductImage(
  database: Database,
  productId: number,
  imageId: number,
  patch: { alt?: string; position?: number },
): Promise<ImageRow> {
  if (patch.alt !== undefined) checkAlt(patch.alt);
  return database.db.transaction(async (tx) => {
    if (!(await repo.lockProduct(tx, productId))) throw new NotFound(NO_PRODUCT);
    const image = await repo.lockImage(tx, productId, imageId);
    if (!image) throw new NotFound(NO_IMAGE);
    if (patch.position !== undefined) {
      const last = (await repo.countImages(tx, productId)) - 1;
      if (patch.position > last) {
        throw ValidationError.field(
          'position',
          say.atMost(last),
        );
      }
      await repo.moveImage(tx, productId, imageId, image.position, patch.position);
      await afterImagesChanged(tx, productId);
    }
    if (patch.alt !== undefined) await repo.updateAlt(tx, imageId, patch.alt);
    return {
      ...image,
      alt: patch.alt ?? image.alt,
      position: patch.position ?? image.position,
    };
  });
}

/** Deletes an image; its files go after the commit unless another image uses the same bytes. */
export async function deleteProductImage(
  deps: MediaDeps,
  productId: number,
  imageId: number,
): Promise<void> {
  const key = await deps.database.db.transaction(async (tx) => {
    if (!(await repo.lockProduct(tx, productId))) throw new NotFound(NO_PRODUCT);
    const image = await repo.lockImage(tx, productId, imageId);
    if (!image) throw new NotFound(NO_IMAGE);
    await repo.deleteImage(tx, productId, image);
    await afterImagesChanged(tx, productId);
    return image.key;
  });
  await removeUnusedImageFiles(deps, [key]);
}
