/**
 * The media module's public face: product images (upload, order, delete), the storage they
 * live in (local disk or S3), and what other modules need: the seed's addProductImage, and
 * the two calls around a product's deletion (productImageKeys, removeUnusedImageFiles).
 */
export { mediaFiles, mediaRoutes } from './routes.js';
export {
  addProductImage,
  deleteProductImage,
  type MediaDeps,
  productImageKeys,
  productImagesOf,
  removeMediaOnProductDelete,
  removeUnusedImageFiles,
  updateProductImage,
} from './service.js';
export { LocalStorage, type MediaStorage, openMediaStorage, S3Storage } from './storage.js';
export {
  IMAGE_SIZES,
  imageView,
  type ImageRow,
  type ImageSize,
  originalPath,
  sizePath,
} from './urls.js';
