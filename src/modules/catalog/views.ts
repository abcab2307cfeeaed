import { formatMoney } from '../../lib/money.js';
import type { CategoryNode, CategoryRow } from './categories.js';
import type { ProductDetailRow } from './products.js';
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

export function productDetailView({ product: p, category }: ProductDetailRow) {
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    description: p.description,
    price: formatMoney(p.price),
    stock: p.stock,
    image_url: p.imageUrl,
    is_active: p.isActive,
    is_featured: p.isFeatured,
    category: categorySummaryView(category),
    category_name: category.name,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
