import { type Static, Type } from 'typebox';
import { Id, param, ref } from './common.js';

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

/** An image's alt text: what a screen reader says instead of the picture. */
const Alt = Type.String({
  maxLength: 300,
  description: 'Text that describes the image (at most 300 characters).',
});

/**
 * The upload's `multipart/form-data` body, for the OpenAPI document and the generated client;
 * the server reads the parts itself (the file's bytes decide its type, not its declared one).
 */
export const ImageUploadBody = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      description:
        'A JPEG, PNG, WebP or AVIF image, at most MEDIA_MAX_BYTES (10 MiB) and 40 megapixels.',
    }),
    alt: Type.Optional(Alt),
  },
  { $id: 'ImageUploadBody' },
);

/** What an image's PATCH changes: its alt text, its place in the product's list (from 0). */
export const ImagePatchBody = Type.Object(
  {
    alt: Type.Optional(Alt),
    position: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 99,
        description: 'The new place in the list, from 0; the other images shift to make room.',
      }),
    ),
  },
  { $id: 'ImagePatchBody', minProperties: 1 },
);
export type ImagePatch = Static<typeof ImagePatchBody>;

export const ImageParams = Type.Object({
  id: param(Id, 'The product’s id.', 1),
  image_id: param(Id, 'The image’s id.', 1),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const mediaSchemas = [ImageSizes, ProductImage, ImageUploadBody, ImagePatchBody];
