import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  IdParams,
  ImageParams,
  ImagePatchBody,
  ImageUploadBody,
  problems,
  ProductImage,
  ref,
} from '../../contract/index.js';
import { AppError, BadRequest, NotFound } from '../../http/errors.js';
import { CONTENT_TYPES } from './images.js';
import {
  addProductImage,
  deleteProductImage,
  type MediaDeps,
  updateProductImage,
} from './service.js';
import { IMMUTABLE, type MediaStorage } from './storage.js';
import { imageView } from './urls.js';

export interface MediaRoutesOptions {
  deps: MediaDeps;
  /** MEDIA_MAX_BYTES: the largest file accepted. */
  maxBytes: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The upload's file bytes, read from the multipart body before validation. */
    uploadedFile?: Buffer;
  }
}

/** Multipart's limit errors (one file, few small fields, MEDIA_MAX_BYTES) are 413s. */
const LIMIT_ERRORS: Record<string, string> = {
  FST_REQ_FILE_TOO_LARGE: 'The file is larger than the upload limit',
  FST_FILES_LIMIT: 'Upload one file per request',
  FST_PARTS_LIMIT: 'The form has too many parts',
  FST_FIELDS_LIMIT: 'The form has too many fields',
};

function multipartProblem(err: unknown, maxBytes: number): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code ?? '';
  const limit = LIMIT_ERRORS[code];
  if (limit) {
    const detail =
      code === 'FST_REQ_FILE_TOO_LARGE' ? `${limit} (${maxBytes} bytes).` : `${limit}.`;
    return new AppError(413, 'payload_too_large', detail, { file: [detail] });
  }
  return new BadRequest('The multipart/form-data body is malformed.');
}

/**
 * Reads the form before validation: the file's bytes go to `request.uploadedFile`, and the
 * body that the schema checks holds the text fields plus `file` (a placeholder), so that a
 * missing file or a long alt text is a 400 naming it like any other (unknown text fields are
 * ignored, as in JSON bodies; a second file is 413).
 */
async function readUpload(request: FastifyRequest, maxBytes: number): Promise<void> {
  if (!request.isMultipart()) {
    throw new AppError(
      415,
      'unsupported_media_type',
      'Upload the image as multipart/form-data (fields `file`, `alt`).',
    );
  }
  // No prototype: a part named `__proto__` is just an unknown field.
  const body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes } })) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname === 'file') request.uploadedFile = bytes;
        body[part.fieldname] = part.fieldname === 'file' ? 'binary' : { file: part.filename };
      } else {
        if (part.valueTruncated)
          throw new AppError(413, 'payload_too_large', `The field ${part.fieldname} is too long.`, {
            [part.fieldname]: ['Too long.'],
          });
        body[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    throw multipartProblem(err, maxBytes);
  }
  request.body = body;
}

/** Product images (staff): upload, alt text and order, delete. Registered under /api/products. */
export const mediaRoutes: FastifyPluginAsyncTypebox<MediaRoutesOptions> = async (
  app,
  { deps, maxBytes },
) => {
  const tags = ['products'];
  app.addHook('onClose', async () => deps.storage.close?.());
  const view = (request: FastifyRequest, row: Parameters<typeof imageView>[1]) =>
    imageView(app.mediaBase(request), row);

  // Multipart is parsed in this context only: every other route stays JSON-only.
  await app.register(async (upload) => {
    await upload.register(multipart, {
      limits: {
        fileSize: maxBytes,
        files: 1,
        fields: 4,
        parts: 6,
        fieldSize: 4096,
        fieldNameSize: 100,
        headerPairs: 100,
      },
    });
    upload.withTypeProvider().post(
      '/:id/images/',
      {
        config: { auth: 'admin' },
        preValidation: async (request) => readUpload(request, maxBytes),
        schema: {
          tags,
          summary: 'Upload an image of a product',
          description:
            'A `multipart/form-data` body: `file` (JPEG, PNG, WebP or AVIF, recognised from its bytes; ' +
            'at most MEDIA_MAX_BYTES, 10 MiB by default, and 40 megapixels) and `alt`. Metadata (EXIF, GPS) ' +
            'is removed; thumb (200 px), medium (600) and large (1200) WebP sizes are made now. The image ' +
            "goes to the end of the list (the first one is the product's thumbnail). 413 when the file is too large.",
          consumes: ['multipart/form-data'],
          params: IdParams,
          body: ref(ImageUploadBody),
          response: { 201: ref(ProductImage), ...problems(400, 404, 413, 415) },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: number };
        const { alt } = request.body as { alt?: string };
        const bytes = request.uploadedFile;
        if (!bytes)
          throw new BadRequest('The form has no file.', 'validation_error', {
            file: ['Required.'],
          });
        const row = await addProductImage(deps, id, bytes, alt ?? '');
        return reply.code(201).send(view(request, row));
      },
    );
  });

  app.patch(
    '/:id/images/:image_id/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: "Change an image's alt text or position",
        description:
          'Positions start at 0 and stay 0..n-1: moving an image shifts the ones between. ' +
          "Position 0 is the product's thumbnail in lists.",
        params: ImageParams,
        body: ref(ImagePatchBody),
        response: { 200: ref(ProductImage), ...problems(400, 404) },
      },
    },
    async (request) =>
      view(
        request,
        await updateProductImage(
          deps.database,
          request.params.id,
          request.params.image_id,
          request.body,
        ),
      ),
  );

  app.delete(
    '/:id/images/:image_id/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Delete an image of a product',
        description:
          'The images after it move up one place; its files are removed unless another image has the same bytes.',
        params: ImageParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await deleteProductImage(deps, request.params.id, request.params.image_id);
      return reply.code(204).send(null);
    },
  );
};

const MEDIA_TYPES: Record<string, string> = { ...CONTENT_TYPES, webp: 'image/webp' };

/**
 * Local storage's files at /media/<key>/<name>.<ext> (GET and HEAD), cached for a year:
 * names are content hashes. Only well-formed keys are looked up (no `..`, no listing).
 */
export const mediaFiles: FastifyPluginAsync<{ storage: MediaStorage }> = async (
  app,
  { storage },
) => {
  app.get(
    '/media/*',
    { config: { auth: 'none' }, schema: { hide: true } },
    async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const type = MEDIA_TYPES[key.slice(key.lastIndexOf('.') + 1)];
      const file = type && key.includes('.') ? await storage.get?.(key) : null;
      if (!file) throw new NotFound('No such media file.');
      return (
        reply
          .type(type!)
          .header('content-length', file.size)
          .header('cache-control', IMMUTABLE)
          // Storefronts on other origins show these images.
          .header('cross-origin-resource-policy', 'cross-origin')
          .send(file.stream())
      );
    },
  );
};
