import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productImages, products } from '../../src/db/schema/index.js';
import { addProductImage, LocalStorage, type MediaStorage } from '../../src/modules/media/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  bearer,
  makeProduct,
  makeShop,
  makeUser,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { KEY_FILES, listFiles, noise, pngClaiming, solid, upload } from './helpers.js';

interface Image {
  id: number;
  url: string;
  alt: string;
  width: number;
  height: number;
  position: number;
  sizes: { thumb: string; medium: string; large: string };
}

const MAX_BYTES = 300_000;
let ctx: TestContext;
let dataDir: string;
let mediaDir: string;
let shop: Shop;
let shopper: TestUser;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'media-test-'));
  mediaDir = join(dataDir, 'media');
  ctx = await buildTestApp({
    DATA_DIR: dataDir,
    MEDIA_MAX_BYTES: String(MAX_BYTES),
    PUBLIC_URL: 'https://api.shop.test',
  });
  shop = await makeShop(ctx);
  shopper = await makeUser(ctx);
});
afterAll(async () => {
  await ctx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const BASE = 'https://api.shop.test/media/';
/** The storage key (`<hash>/<file>`) of a URL the API gave. */
const keyOf = (url: string) => url.slice(BASE.length);

async function uploaded(productId: number, file: Buffer, alt?: string): Promise<Image> {
  const res = await upload(
    ctx,
    productId,
    file,
    shop.admin,
    alt === undefined ? [] : [{ name: 'alt', data: alt }],
  );
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Image>();
}

async function served(url: string) {
  const res = await ctx.app.inject({ method: 'GET', url: new URL(url).pathname });
  return res;
}

async function rowsOf(productId: number) {
  return ctx.database.db
    .select({ id: productImages.id, position: productImages.position, key: productImages.key })
    .from(productImages)
    .where(eq(productImages.productId, productId))
    .orderBy(productImages.position);
}

async function thumbKeyOf(productId: number) {
  const [row] = await ctx.database.db
    .select({ key: products.imageThumbKey })
    .from(products)
    .where(eq(products.id, productId));
  return row?.key;
}

describe('upload', () => {
  it('stores a JPEG upright, without EXIF or GPS, with WebP sizes served for a year', async () => {
    const product = await makeProduct(shop);
    // 1800×1200 stored sideways: EXIF orientation 6 says "rotate 90° clockwise".
    const jpeg = await solid(1800, 1200)
      .jpeg()
      .withExif({
        IFD0: { Copyright: 'Secret Photographer' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '12/1 58/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '77/1 35/1 0/1',
        },
      })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const before = await sharp(jpeg).metadata();
    expect(before.exif).toBeDefined();
    expect(before.orientation).toBe(6);
    expect(before.exif!.includes('Secret Photographer')).toBe(true);

    const image = await uploaded(product.id, jpeg, 'A red thing');
    expect(image).toMatchObject({ alt: 'A red thing', width: 1200, height: 1800, position: 0 });
    expect(image.url).toMatch(/^https:\/\/api\.shop\.test\/media\/[0-9a-f]{32}\/original\.jpg$/);
    const key = keyOf(image.url).split('/')[0]!;
    expect(image.sizes).toEqual({
      thumb: `${BASE}${key}/thumb.webp`,
      medium: `${BASE}${key}/medium.webp`,
      large: `${BASE}${key}/large.webp`,
    });
    expect(await listFiles(mediaDir)).toEqual(expect.arrayContaining(KEY_FILES(key, 'jpg')));

    const expected = { thumb: [133, 200], medium: [400, 600], large: [800, 1200] } as const;
    for (const [size, [width, height]] of Object.entries(expected)) {
      const res = await served(image.sizes[size as keyof typeof expected]);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/webp');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const meta = await sharp(res.rawPayload).metadata();
      expect(meta).toMatchObject({ format: 'webp', width, height });
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
    }
    const original = await served(image.url);
    expect(original.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(original.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 1200, height: 1800 });
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    // On disk too: no file of this key carries the photographer or the coordinates.
    for (const file of KEY_FILES(key, 'jpg')) {
      const bytes = await readFile(join(mediaDir, file));
      expect(bytes.includes('Secret Photographer')).toBe(false);
      expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    }
    expect(await thumbKeyOf(product.id)).toBe(`${key}/thumb.webp`);
  });

  it.each([
    ['png', () => solid(150, 100).png().toBuffer()],
    ['webp', () => solid(150, 100).webp().toBuffer()],
    ['avif', () => solid(150, 100).avif().toBuffer()],
  ])('accepts %s, keeps its format, never enlarges', async (format, make) => {
    const product = await makeProduct(shop);
    // The client's type is ignored: the bytes decide.
    const res = await upload(
      ctx,
      product.id,
      await make(),
      shop.admin,
      [],
      'application/octet-stream',
    );
    expect(res.statusCode, res.body).toBe(201);
    const image = res.json<Image>();
    expect(image).toMatchObject({ width: 150, height: 100, alt: '' });
    expect(image.url.endsWith(`/original.${format}`)).toBe(true);
    const original = await served(image.url);
    expect(original.headers['content-type']).toBe(`image/${format}`);
    const large = await sharp((await served(image.sizes.large)).rawPayload).metadata();
    expect(large).toMatchObject({ format: 'webp', width: 150, height: 100 });
    const thumb = await sharp((await served(image.sizes.thumb)).rawPayload).metadata();
    expect(thumb).toMatchObject({ width: 150, height: 100 });
  });

  it.each([
    ['GIF', () => solid(20, 20).gif().toBuffer(), 'image/gif'],
    [
      'SVG',
      async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
      'image/svg+xml',
    ],
    ['text that claims to be a PNG', async () => Buffer.from('hello, I am a PNG'), 'image/png'],
    [
      'a PNG header with garbage after it',
      async () => (await solid(20, 20).png().toBuffer()).subarray(0, 40),
      'image/png',
    ],
  ])('refuses %s (400 naming file), storing nothing', async (_name, make, type) => {
    const product = await makeProduct(shop);
    const before = await listFiles(mediaDir);
    expectProblem(
      await upload(ctx, product.id, await make(), shop.admin, [], type),
      400,
      'validation_error',
      'file',
    );
    expect(await listFiles(mediaDir)).toEqual(before);
    expect(await rowsOf(product.id)).toEqual([]);
  });

  it('refuses a file over MEDIA_MAX_BYTES with 413, and an image over 40 megapixels with 400', async () => {
    const product = await makeProduct(shop);
    const big = await noise(400, 400).png().toBuffer();
    expect(big.length).toBeGreaterThan(MAX_BYTES);
    expectProblem(await upload(ctx, product.id, big, shop.admin), 413, 'payload_too_large');
    const huge = await pngClaiming(8000, 5001);
    expectProblem(await upload(ctx, product.id, huge, shop.admin), 400, 'validation_error', 'file');
    expect(await rowsOf(product.id)).toEqual([]);
  });

  it('checks the form: a file is required, alt is bounded, a second file is refused', async () => {
    const product = await makeProduct(shop);
    const jpeg = await solid(30, 30).jpeg().toBuffer();
    expectProblem(
      await upload(ctx, product.id, null, shop.admin, [{ name: 'alt', data: 'x' }]),
      400,
      'validation_error',
      'file',
    );
    expectProblem(
      await upload(ctx, product.id, jpeg, shop.admin, [{ name: 'alt', data: 'x'.repeat(301) }]),
      400,
      'validation_error',
      'alt',
    );
    const misnamed = { name: 'image', data: jpeg, filename: 'a.jpg', type: 'image/jpeg' };
    expectProblem(
      await upload(ctx, product.id, null, shop.admin, [misnamed]),
      400,
      'validation_error',
      'file',
    );
    const second = { name: 'file2', data: jpeg, filename: 'b.jpg', type: 'image/jpeg' };
    expectProblem(
      await upload(ctx, product.id, jpeg, shop.admin, [second]),
      413,
      'payload_too_large',
    );
    const json = await ctx.app.inject({
      method: 'POST',
      url: `/api/products/${product.id}/images/`,
      payload: { file: 'abc' },
      headers: bearer(shop.admin.access),
    });
    expectProblem(json, 415, 'unsupported_media_type');
    for (const [type, payload] of [
      ['multipart/form-data', 'no boundary'],
      ['multipart/form-data; boundary=x', '{"file": "abc"}'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
      ],
      ['multipart/form-data; boundary=x', ''],
    ]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: `/api/products/${product.id}/images/`,
        payload,
        headers: { ...bearer(shop.admin.access), 'content-type': type! },
      });
      expect(res.statusCode, `${type} ${payload}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await rowsOf(product.id)).toEqual([]);
  });

  it('is for staff: anonymous 401, shopper 403; an unknown product is 404 and leaves no file', async () => {
    const product = await makeProduct(shop);
    const jpeg = await solid(30, 30).jpeg().toBuffer();
    expectProblem(await upload(ctx, product.id, jpeg, null), 401, 'not_authenticated');
    expectProblem(await upload(ctx, product.id, jpeg, shopper), 403, 'permission_denied');
    const before = await listFiles(mediaDir);
    expectProblem(await upload(ctx, 2_000_000_000, jpeg, shop.admin), 404, 'not_found');
    expect(await listFiles(mediaDir)).toEqual(before);
    expectProblem(await upload(ctx, 0, jpeg, shop.admin), 400, 'validation_error', 'id');
  });
});

describe('from a browser', () => {
  it('takes a FormData upload over a real connection, larger than the 1 MiB JSON body limit', async () => {
    const other = await buildTestApp({ DATA_DIR: dataDir });
    try {
      const otherShop = await makeShop(other);
      const product = await makeProduct(otherShop);
      const address = await other.app.listen({ port: 0, host: '127.0.0.1' });
      const photo = await noise(700, 700).png().toBuffer();
      expect(photo.length).toBeGreaterThan(1024 * 1024);
      const form = new FormData();
      form.append('file', new Blob([photo], { type: 'image/png' }), 'noise.png');
      form.append('alt', 'Static');
      const res = await fetch(`${address}/api/products/${product.id}/images/`, {
        method: 'POST',
        body: form,
        headers: bearer(otherShop.admin.access),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const image = (await res.json()) as Image;
      expect(image).toMatchObject({ alt: 'Static', width: 700, height: 700, position: 0 });
      const thumb = await fetch(`${address}${new URL(image.sizes.thumb).pathname}`);
      expect(thumb.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(thumb.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).toMatchObject({
        width: 200,
        height: 200,
      });
    } finally {
      await other.close();
    }
  });
});

describe('no orphan files', () => {
  it('removes the files already written when a later write fails, and inserts no row', async () => {
    const product = await makeProduct(shop);
    const real = new LocalStorage(mediaDir);
    let puts = 0;
    const failing: MediaStorage = {
      put: async (key, bytes, type) => {
        if (++puts === 2) throw new Error('disk full');
        await real.put(key, bytes, type);
      },
      delete: (keys) => real.delete(keys),
    };
    const before = await listFiles(mediaDir);
    const bytes = await solid(300, 200).webp().toBuffer();
    await expect(
      addProductImage({ database: ctx.database, storage: failing }, product.id, bytes),
    ).rejects.toThrow('disk full');
    expect(puts).toBe(4);
    expect(await listFiles(mediaDir)).toEqual(before);
    expect(await rowsOf(product.id)).toEqual([]);
  });

  it('keeps the files of an image that shares the key when another upload of the same bytes fails', async () => {
    const product = await makeProduct(shop);
    const bytes = await solid(70, 70).png().toBuffer();
    const kept = await uploaded(product.id, bytes);
    const failing: MediaStorage = {
      put: () => Promise.reject(new Error('disk full')),
      delete: (keys) => new LocalStorage(mediaDir).delete(keys),
    };
    await expect(
      addProductImage({ database: ctx.database, storage: failing }, product.id, bytes),
    ).rejects.toThrow();
    expect((await served(kept.sizes.medium)).statusCode).toBe(200);
    expect((await served(kept.url)).statusCode).toBe(200);
  });
});

describe('order and delete', () => {
  it('moves an image and shifts the others; position 0 is the list thumbnail', async () => {
    const product = await makeProduct(shop);
    const a = await uploaded(product.id, await solid(40, 40).png().toBuffer());
    const b = await uploaded(product.id, await solid(40, 40).png().toBuffer());
    const c = await uploaded(product.id, await solid(40, 40).png().toBuffer());
    expect([a.position, b.position, c.position]).toEqual([0, 1, 2]);
    const patch = (id: number, body: unknown, as: TestUser | null = shop.admin) =>
      ctx.app.inject({
        method: 'PATCH',
        url: `/api/products/${product.id}/images/${id}/`,
        payload: body as object,
        headers: as ? bearer(as.access) : {},
      });

    const moved = await patch(c.id, { position: 0, alt: 'Front' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ id: c.id, position: 0, alt: 'Front', url: c.url });
    expect((await rowsOf(product.id)).map((r) => r.id)).toEqual([c.id, a.id, b.id]);
    expect(await thumbKeyOf(product.id)).toBe(keyOf(c.sizes.thumb));
    const listed = await ctx.app.inject({
      url: `/api/products/?search=${encodeURIComponent(product.name)}`,
    });
    expect(listed.json().results[0].image).toBe(c.sizes.thumb);

    expect((await patch(c.id, { position: 2 })).statusCode).toBe(200);
    expect((await rowsOf(product.id)).map((r) => [r.id, r.position])).toEqual([
      [a.id, 0],
      [b.id, 1],
      [c.id, 2],
    ]);
    expect(await thumbKeyOf(product.id)).toBe(keyOf(a.sizes.thumb));

    expectProblem(await patch(a.id, { position: 3 }), 400, 'validation_error', 'position');
    expectProblem(await patch(a.id, { position: -1 }), 400, 'validation_error', 'position');
    expectProblem(await patch(a.id, { position: '1' }), 400, 'validation_error', 'position');
    expectProblem(await patch(a.id, { alt: 'x'.repeat(301) }), 400, 'validation_error', 'alt');
    expectProblem(await patch(a.id, {}), 400, 'validation_error');
    expectProblem(await patch(a.id, { alt: 'x' }, shopper), 403, 'permission_denied');
    expectProblem(await patch(a.id, { alt: 'x' }, null), 401, 'not_authenticated');
    const other = await makeProduct(shop);
    const wrong = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/products/${other.id}/images/${a.id}/`,
      payload: { alt: 'x' },
      headers: bearer(shop.admin.access),
    });
    expectProblem(wrong, 404, 'not_found');
  });

  it('deletes an image: the gap closes, its files go, files shared by the same bytes elsewhere stay', async () => {
    const product = await makeProduct(shop);
    const twin = await makeProduct(shop);
    const bytes = await solid(64, 48).png().toBuffer();
    const a = await uploaded(product.id, bytes);
    const b = await uploaded(product.id, await solid(64, 48).webp().toBuffer());
    const shared = await uploaded(twin.id, bytes);
    const key = keyOf(a.url).split('/')[0]!;
    expect(keyOf(shared.url)).toBe(keyOf(a.url));
    const del = (productId: number, id: number, as: TestUser | null = shop.admin) =>
      ctx.app.inject({
        method: 'DELETE',
        url: `/api/products/${productId}/images/${id}/`,
        headers: as ? bearer(as.access) : {},
      });

    expectProblem(await del(product.id, a.id, shopper), 403, 'permission_denied');
    expectProblem(await del(twin.id, a.id), 404, 'not_found');
    expect((await del(product.id, a.id)).statusCode).toBe(204);
    expect(await rowsOf(product.id)).toEqual([
      { id: b.id, position: 0, key: keyOf(b.url).split('/')[0] },
    ]);
    expect(await thumbKeyOf(product.id)).toBe(keyOf(b.sizes.thumb));
    // The twin's image has the same bytes: its files stay and are served.
    expect(await listFiles(join(mediaDir, key))).toEqual([
      'large.webp',
      'medium.webp',
      'original.png',
      'thumb.webp',
    ]);
    expect((await served(shared.sizes.thumb)).statusCode).toBe(200);

    expect((await del(twin.id, shared.id)).statusCode).toBe(204);
    expect(await listFiles(join(mediaDir, key))).toEqual([]);
    expect(await thumbKeyOf(twin.id)).toBeNull();
    expectProblem(await served(shared.sizes.thumb), 404, 'not_found');
    expectProblem(await del(twin.id, shared.id), 404, 'not_found');
  });
});

describe('concurrent changes', () => {
  it('parallel uploads get positions 0..n-1; a parallel delete of the same bytes leaves the new image its files', async () => {
    const product = await makeProduct(shop);
    const files = await Promise.all([1, 2, 3, 4].map(() => solid(48, 32).png().toBuffer()));
    const images = await Promise.all(files.map((f) => uploaded(product.id, f)));
    expect(images.map((i) => i.position).sort()).toEqual([0, 1, 2, 3]);
    expect((await rowsOf(product.id)).map((r) => r.position)).toEqual([0, 1, 2, 3]);

    // Same bytes uploaded again while the first image is deleted: whichever order the two
    // take, the surviving row's files exist.
    const [again, deleted] = await Promise.all([
      upload(ctx, product.id, files[0]!, shop.admin),
      ctx.app.inject({
        method: 'DELETE',
        url: `/api/products/${product.id}/images/${images[0]!.id}/`,
        headers: bearer(shop.admin.access),
      }),
    ]);
    expect(again.statusCode, again.body).toBe(201);
    expect(deleted.statusCode).toBe(204);
    for (const url of [again.json<Image>().url, ...Object.values(again.json<Image>().sizes)]) {
      expect((await served(url)).statusCode, url).toBe(200);
    }
    expect((await rowsOf(product.id)).map((r) => r.position)).toEqual([0, 1, 2, 3]);
  });
});

describe('deleting a product', () => {
  it("removes its images' files after the commit, except files another product's image shares", async () => {
    const product = await makeProduct(shop);
    const other = await makeProduct(shop);
    const sharedBytes = await solid(33, 44).png().toBuffer();
    const own = await uploaded(product.id, await solid(33, 44).jpeg().toBuffer());
    const shared = await uploaded(product.id, sharedBytes);
    const kept = await uploaded(other.id, sharedBytes);
    const ownKey = keyOf(own.url).split('/')[0]!;
    const sharedKey = keyOf(shared.url).split('/')[0]!;
    expect(await listFiles(join(mediaDir, ownKey))).toHaveLength(4);

    const res = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/products/${product.id}/`,
      headers: bearer(shop.admin.access),
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await listFiles(join(mediaDir, ownKey))).toEqual([]);
    expect(await listFiles(join(mediaDir, sharedKey))).toHaveLength(4);
    expect((await served(kept.sizes.thumb)).statusCode).toBe(200);
    expect(await rowsOf(product.id)).toEqual([]);
  });
});

describe('/media files', () => {
  it('serves HEAD, and answers 404 problem+json for listings, traversal and unknown files', async () => {
    const product = await makeProduct(shop);
    const image = await uploaded(product.id, await solid(50, 50).jpeg().toBuffer());
    const head = await ctx.app.inject({ method: 'HEAD', url: new URL(image.sizes.thumb).pathname });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('image/webp');
    expect(head.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body).toBe('');
    const key = keyOf(image.url).split('/')[0]!;
    for (const url of [
      '/media/',
      '/media',
      `/media/${key}`,
      `/media/${key}/`,
      `/media/${key}/nothing.webp`,
      '/media/../package.json',
      '/media/..%2Fpackage.json',
      '/media/%2e%2e/%2e%2e/package.json',
      `/media/${key}/..%2F..%2F..%2Fjwt-secret`,
      '/media/.%2E/jwt-secret',
      '/media/%2Fetc%2Fpasswd',
    ]) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });

  it('builds URLs from MEDIA_PUBLIC_URL when set', async () => {
    const other = await buildTestApp({
      DATA_DIR: dataDir,
      MEDIA_PUBLIC_URL: 'https://cdn.shop.test/img/',
    });
    try {
      const otherShop = await makeShop(other);
      const product = await makeProduct(otherShop);
      const res = await upload(
        other,
        product.id,
        await solid(20, 20).png().toBuffer(),
        otherShop.admin,
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<Image>().sizes.thumb).toMatch(
        /^https:\/\/cdn\.shop\.test\/img\/[0-9a-f]{32}\/thumb\.webp$/,
      );
    } finally {
      await other.close();
    }
  });
});
