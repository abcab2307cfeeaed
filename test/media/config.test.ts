import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/srv/shop-data' };

describe('media settings', () => {
  it('defaults to local files under DATA_DIR/media, 10 MiB uploads', () => {
    expect(loadConfig(base).media).toEqual({
      publicUrl: null,
      storage: 'local',
      maxBytes: 10 * 1024 * 1024,
      dir: '/srv/shop-data/media',
      s3: null,
    });
  });

  it('reads S3 settings, and MEDIA_PUBLIC_URL without its trailing slash', () => {
    const media = loadConfig({
      ...base,
      MEDIA_STORAGE: 's3',
      S3_BUCKET: 'shop',
      S3_ENDPOINT: 'https://minio.internal:9000',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: 'true',
      MEDIA_PUBLIC_URL: 'https://cdn.shop.example/media/',
      MEDIA_MAX_BYTES: '5000000',
    }).media;
    expect(media).toMatchObject({
      storage: 's3',
      maxBytes: 5_000_000,
      publicUrl: 'https://cdn.shop.example/media',
    });
    expect(media.s3).toEqual({
      bucket: 'shop',
      region: 'us-east-1',
      endpoint: 'https://minio.internal:9000',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
  });

  it.each([
    [{ MEDIA_STORAGE: 's3', MEDIA_PUBLIC_URL: 'https://cdn.example' }, /S3_BUCKET is required/],
    [{ MEDIA_STORAGE: 's3', S3_BUCKET: 'b' }, /MEDIA_PUBLIC_URL is required/],
    [{ MEDIA_STORAGE: 'ftp' }, /MEDIA_STORAGE must be local or s3/],
    [
      {
        MEDIA_STORAGE: 's3',
        S3_BUCKET: 'b',
        MEDIA_PUBLIC_URL: 'https://cdn.example',
        S3_ACCESS_KEY_ID: 'id',
      },
      /S3_SECRET_ACCESS_KEY is required/,
    ],
    [
      {
        MEDIA_STORAGE: 's3',
        S3_BUCKET: 'b',
        MEDIA_PUBLIC_URL: 'https://cdn.example',
        S3_FORCE_PATH_STYLE: 'maybe',
      },
      /S3_FORCE_PATH_STYLE must be true or false/,
    ],
    [
      {
        MEDIA_STORAGE: 's3',
        S3_BUCKET: 'b',
        MEDIA_PUBLIC_URL: 'https://cdn.example',
        S3_ENDPOINT: 'minio:9000',
      },
      /S3_ENDPOINT/,
    ],
    [{ MEDIA_MAX_BYTES: '10MB' }, /MEDIA_MAX_BYTES must be an integer/],
    [{ MEDIA_PUBLIC_URL: 'https://cdn.example/?v=1' }, /MEDIA_PUBLIC_URL must not have a query/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
