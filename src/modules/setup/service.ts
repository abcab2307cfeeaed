import type { Database } from '../../db/client.js';
import { seedDemoCatalog } from '../../db/seed.js';
import { Conflict } from '../../http/errors.js';
import { bumpCatalogVersion, catalogSize } from '../catalog/index.js';
import { addProductImage } from '../media/index.js';

export interface DemoCatalogDeps {
  database: Database;
  /** Where the demo pictures go: the configured media storage, as uploads do. */
  media: Parameters<typeof addProductImage>[0];
}

/**
 * Loads the demo catalogue, the same as `npm run db:seed`, into a shop that has no product
 * and no category yet (409 otherwise: the demo is for a new shop, not to mix into a real one).
 */
export async function loadDemoCatalog(deps: DemoCatalogDeps): Promise<{ categories: number; products: number }> {
  const { database, media } = deps;
  const size = await catalogSize(database);
  if (size.products > 0 || size.categories > 0) {
    throw new Conflict(
      `The catalogue is not empty (${size.categories} categories, ${size.products} products); ` +
        'the demo catalogue only loads into an empty shop.',
    );
  }
  const result = await seedDemoCatalog(database.db, async (productId, bytes, alt) =>
    (await addProductImage(media, productId, bytes, alt)).id,
  );
  // Cached list counts were taken before the products existed.
  await bumpCatalogVersion(database.db);
  return { categories: result.categories, products: result.products };
}
