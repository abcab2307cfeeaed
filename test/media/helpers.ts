import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { TestContext } from '../helpers/app.js';
import { bearer, type TestUser } from '../helpers/factories.js';

export interface Part {
  name: string;
  data: Buffer | string;
  filename?: string;
  type?: string;
}

/** A multipart/form-data body, as a browser's FormData would send it. */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----media-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    const head =
      `--${boundary}\r\nContent-Disposition: ${disposition}\r\n` +
      (part.type ? `Content-Type: ${part.type}\r\n` : '') +
      '\r\n';
    chunks.push(Buffer.from(head), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** POST /api/products/{id}/images/ with a file (and alt), as `as` (null: anonymous). */
export function upload(
  ctx: TestContext,
  productId: number,
  file: Buffer | null,
  as: TestUser | null,
  extra: Part[] = [],
  fileType = 'image/jpeg',
) {
  const parts: Part[] = [...extra];
  if (file) parts.push({ name: 'file', data: file, filename: 'photo.bin', type: fileType });
  const { payload, headers } = multipart(parts);
  return ctx.app.inject({
    method: 'POST',
    url: `/api/products/${productId}/images/`,
    payload,
    headers: { ...headers, ...(as ? bearer(as.access) : {}) },
  });
}

/** A solid-colour image (a different colour gives different bytes, so a different key). */
export function solid(width: number, height: number, seed = Math.floor(Math.random() * 1e6)) {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: seed % 256, g: (seed >> 8) % 256, b: (seed >> 16) % 256 },
    },
  });
}

/** Noise: compresses badly, for a file larger than a limit. */
export function noise(width: number, height: number) {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
}

/** A PNG whose header claims `width`×`height` (the pixels are not there): for the pixel limit. */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(1, 1).png().toBuffer());
  // IHDR: length (4) type (4) width (4) height (4) … crc; it starts at byte 8.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** Every file under a directory, as paths relative to it (empty when it does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export const KEY_FILES = (key: string, format: string) =>
  [
    `${key}/large.webp`,
    `${key}/medium.webp`,
    `${key}/original.${format}`,
    `${key}/thumb.webp`,
  ].sort();
