import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { eq } from 'drizzle-orm';
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productImages } from '../../src/db/schema/index.js';
import { addProductImage, type MediaStorage, S3Storage } from '../../src/modules/media/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeProduct, makeShop, type Shop } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { solid, upload } from './helpers.js';

/**
 * MEDIA_STORAGE=s3 against a real S3-compatible server (s3rver, in this process, on a
 * random port, path-style): objects are written, served from the bucket's URL and removed.
 */
const BUCKET = 'shop-media';
let server: S3rver;
let dir: string;
let endpoint: string;
let ctx: TestContext;
let shop: Shop;
let s3: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  const env = {
    MEDIA_STORAGE: 's3',
    S3_BUCKET: BUCKET,
    S3_REGION: 'us-east-1',
    S3_ENDPOINT: endpoint,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: 'true',
    MEDIA_PUBLIC_URL: `${endpoint}/${BUCKET}`,
  };
  ctx = await buildTestApp(env);
  shop = await makeShop(ctx);
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});
afterAll(async () => {
  s3?.destroy();
  await ctx?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function objectKeys(prefix = ''): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

interface Image {
  id: number;
  url: string;
  sizes: { thumb: string; medium: string; large: string };
}

describe('S3 storage', () => {
  it('writes every file to the bucket, served with its type and a year of caching; delete removes them', async () => {
    const product = await makeProduct(shop);
    const res = await upload(ctx, product.id, await solid(1600, 900).jpeg().toBuffer(), shop.admin);
    expect(res.statusCode, res.body).toBe(201);
    const image = res.json<Image>();
    expect(image.url.startsWith(`${endpoint}/${BUCKET}/`)).toBe(true);
    const key = image.url.slice(`${endpoint}/${BUCKET}/`.length).split('/')[0]!;
    expect(await objectKeys(`${key}/`)).toEqual(
      ['large.webp', 'medium.webp', 'original.jpg', 'thumb.webp'].map((f) => `${key}/${f}`),
    );

    const fetched = await fetch(image.sizes.large);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/webp');
    expect(fetched.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const meta = await sharp(Buffer.from(await fetched.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 1200, height: 675 });
    const original = await fetch(image.url);
    expect(original.headers.get('content-type')).toBe('image/jpeg');

    // The app serves no /media route of its own with S3.
    expectProblem(
      await ctx.app.inject({ url: `/media/${key}/thumb.webp` }),
      404,
      'route_not_found',
    );

    const del = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/products/${product.id}/images/${image.id}/`,
      headers: bearer(shop.admin.access),
    });
    expect(del.statusCode).toBe(204);
    expect(await objectKeys(`${key}/`)).toEqual([]);
    expect((await fetch(image.sizes.large)).status).toBe(404);
  });

  it("removes a deleted product's objects", async () => {
    const product = await makeProduct(shop);
    const res = await upload(ctx, product.id, await solid(64, 64).webp().toBuffer(), shop.admin);
    expect(res.statusCode, res.body).toBe(201);
    const key = res.json<Image>().url.slice(`${endpoint}/${BUCKET}/`.length).split('/')[0]!;
    expect(await objectKeys(`${key}/`)).toHaveLength(4);
    const del = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/products/${product.id}/`,
      headers: bearer(shop.admin.access),
    });
    expect(del.statusCode).toBe(204);
    expect(await objectKeys(`${key}/`)).toEqual([]);
  });

  it('leaves no object after a refused upload (unknown product, not an image)', async () => {
    const before = await objectKeys();
    const jpeg = await solid(40, 40).jpeg().toBuffer();
    expectProblem(await upload(ctx, 2_000_000_000, jpeg, shop.admin), 404, 'not_found');
    const product = await makeProduct(shop);
    expectProblem(
      await upload(ctx, product.id, Buffer.from('GIF89a....'), shop.admin),
      400,
      'validation_error',
      'file',
    );
    expect(await objectKeys()).toEqual(before);
  });

  it('removes the files already written when a later write fails, and inserts no row', async () => {
    const product = await makeProduct(shop);
    const real = new S3Storage({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    });
    let puts = 0;
    const failing: MediaStorage = {
      put: async (key, bytes, type) => {
        if (++puts === 3) throw new Error('disk full');
        await real.put(key, bytes, type);
      },
      delete: (keys) => real.delete(keys),
    };
    const before = await objectKeys();
    const bytes = await solid(300, 200).png().toBuffer();
    await expect(
      addProductImage({ database: ctx.database, storage: failing }, product.id, bytes),
    ).rejects.toThrow('disk full');
    expect(puts).toBe(4);
    expect(await objectKeys()).toEqual(before);
    expect(
      await ctx.database.db
        .select()
        .from(productImages)
        .where(eq(productImages.productId, product.id)),
    ).toEqual([]);
    real.close();
  });
});
