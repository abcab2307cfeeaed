/**
 * The media module's public face: product images (upload, order, delete) and the storage they
 * live in (local disk or S3), with what other modules need: the seed's addProductImage, and
 * the hook that removes a deleted product's files (removeMediaOnProductDelete). The catalog
 * builds image URLs with urls.ts, the module's pure part.
 */
export { mediaFiles, mediaRoutes } from './routes.js';
export { addProductImage, removeMediaOnProductDelete } from './service.js';
export { LocalStorage, type MediaStorage, openMediaStorage, S3Storage } from './storage.js';
