/**
 * The catalog module's public face: its routes, stock changes for orders, and the product
 * list row (`listColumns`, `productListView`) that the cart's join and analytics reuse.
 */
export { categoryRoutes, productRoutes } from './routes.js';
export { bumpCatalogVersion, CountCache } from './counts.js';
export { deductStock, restoreStock, type StockLine } from './stock.js';
export { catalogSize, lowStockProducts, type ProductDeleteHook } from './products.js';
export type { ProductListRow } from './search.js';
export { productListView } from './views.js';
