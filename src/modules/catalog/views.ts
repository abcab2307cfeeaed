import { formatMoney } from '../../lib/money.js';
import type { CategoryNode, CategoryRow } from './categories.js';
import type { LowStockRow } from './low-stock.js';
import type { ProductDetailRow, VariantJson } from './products.js';
// urls.ts is the media module's pure part, imported past its index: the index brings the
// media service, which imports the catalog's (a cycle).
// eslint-disable-next-line no-restricted-imports
import { imageView } from '../media/urls.js';
import type { ProductListRow } from './search.js';

function categorySummaryView(c: CategoryRow) {
  return {
    id: c.id,
    name: c.name,
    slug: c.slug,
    description: c.description,
    parent: c.parentId,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export interface CategoryView extends ReturnType<typeof categorySummaryView> {
  children: CategoryView[];
}

export function categoryView(c: CategoryNode): CategoryView {
  return { ...categorySummaryView(c), children: c.children.map(categoryView) };
}

/**
 * A list item. `mediaBase` is where media files are served (`request.server.mediaBase`):
 * `image` is the first image's thumbnail there, else the typed-in `image_url`.
 */
export function productListView(p: ProductListRow, mediaBase: string) {
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    price: formatMoney(p.price),
    price_min: formatMoney(p.price),
    price_max: formatMoney(p.priceMax),
    stock: p.stock,
    in_stock: p.stock > 0,
    image: p.imageThumbKey !== null ? `${mediaBase}/${p.imageThumbKey}` : p.imageUrl,
    image_url: p.imageUrl,
    is_active: p.isActive,
    is_featured: p.isFeatured,
    category: p.categoryId,
    category_name: p.categoryName,
    created_at: p.createdAt.toISOString(),
  };
}

/** A variant, from its row or the detail query's JSON (the same field names). */
export function variantView(v: VariantJson) {
  return {
    id: v.id,
    sku: v.sku,
    title: v.title,
    options: v.options,
    price: formatMoney(v.price),
    compare_at_price: v.compareAtPrice === null ? null : formatMoney(v.compareAtPrice),
    stock: v.stock,
    is_active: v.isActive,
    weight_grams: v.weightGrams,
    image_id: v.imageId,
    tax_class: v.taxClassId,
  };
}

/** A product's page: its variants (shoppers see the active ones only) and images. */
export function productDetailView(row: ProductDetailRow, mediaBase: string, staff: boolean) {
  const { product: p, category } = row;
  const images = row.images.map((image) => imageView(mediaBase, image));
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    description: p.description,
    price: formatMoney(p.price),
    price_min: formatMoney(p.price),
    price_max: formatMoney(p.priceMax),
    stock: p.stock,
    in_stock: p.stock > 0,
    image: images[0]?.sizes.thumb ?? p.imageUrl,
    image_url: p.imageUrl,
    is_active: p.isActive,
    is_featured: p.isFeatured,
    category: categorySummaryView(category),
    category_name: category.name,
    tax_class: p.taxClassId,
    options: p.options,
    variants: row.variants.filter((v) => staff || v.isActive).map(variantView),
    images,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** A low-stock row: the list item and its variants below the threshold. */
export function lowStockView(row: LowStockRow, mediaBase: string) {
  return { ...productListView(row, mediaBase), low_variants: row.lowVariants };
}
