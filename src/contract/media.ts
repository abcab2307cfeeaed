import { Type } from 'typebox';
import { Id, ref } from './common.js';

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const ImageSizes = Type.Object(
  {
    thumb: Type.String({ description: '200 px on the longer side, WebP.' }),
    medium: Type.String({ description: '600 px on the longer side, WebP.' }),
    large: Type.String({ description: '1200 px on the longer side, WebP.' }),
  },
  { $id: 'ImageSizes' },
);

/** A product image; URLs are permanent (content-hashed) and cached for a year. */
export const ProductImage = Type.Object(
  {
    id: Id,
    url: Type.String({ description: 'The stored original (metadata removed).' }),
    alt: Type.String(),
    width: Type.Integer(),
    height: Type.Integer(),
    position: Type.Integer({ minimum: 0 }),
    sizes: ref(ImageSizes),
  },
  { $id: 'ProductImage' },
);

/** The schemas of this file that have a name (`$id`), for registration. */
export const mediaSchemas = [ImageSizes, ProductImage];
