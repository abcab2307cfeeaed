import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import { ValidationError } from '../../http/errors.js';
import { IMAGE_SIZES, type ImageSize, originalPath, sizePath } from './urls.js';

/** The largest image accepted, in pixels (width × height): 40 megapixels. */
export const MAX_PIXELS = 40_000_000;

export type ImageFormat = 'jpg' | 'png' | 'webp' | 'avif';

export const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** One file to store: its key (`<hash>/<name>`), bytes and type. */
export interface ImageFile {
  key: string;
  bytes: Buffer;
  contentType: string;
}

/** An upload made ready to store: the files, and what the database row records. */
export interface ProcessedImage {
  key: string;
  format: ImageFormat;
  width: number;
  height: number;
  files: ImageFile[];
}

const FILE_ERROR = 'Upload a JPEG, PNG, WebP or AVIF image.';

/** The format the first bytes announce (magic numbers), whatever the client said; null for anything else. */
export function sniffFormat(bytes: Buffer): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpg';
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'png';
  }
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return 'webp';
  }
  // ISO-BMFF: a `ftyp` box whose major or compatible brands include avif (still) or avis (sequence).
  if (bytes.length >= 16 && bytes.toString('latin1', 4, 8) === 'ftyp') {
    const size = Math.min(bytes.readUInt32BE(0), bytes.length);
    for (let at = 8; at + 4 <= size; at += 4) {
      if (at === 12) continue; // the minor version, not a brand
      const brand = bytes.toString('latin1', at, at + 4);
      if (brand === 'avif' || brand === 'avis') return 'avif';
    }
  }
  return null;
}

/** What sharp calls each accepted format (AVIF is HEIF with AV1 inside). */
const SHARP_FORMAT: Record<ImageFormat, string> = {
  jpg: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'heif',
};

function encodeOriginal(image: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpg':
      return image.jpeg({ quality: 90, mozjpeg: true });
    case 'png':
      return image.png({ compressionLevel: 9 });
    case 'webp':
      return image.webp({ quality: 90 });
    case 'avif':
      return image.avif({ quality: 60 });
  }
}

/**
 * Checks an upload and makes its files: the original re-encoded in its own format and one
 * WebP per size (longer side, never enlarged), all turned upright by their EXIF orientation
 * and written without metadata (EXIF, GPS, XMP, comments). Anything but a JPEG, PNG, WebP or
 * AVIF of at most MAX_PIXELS is a ValidationError naming `file`.
 */
export async function processImage(bytes: Buffer): Promise<ProcessedImage> {
  const format = sniffFormat(bytes);
  if (!format)
    throw ValidationError.field(
      'file',
      `The file is not an image this shop accepts. ${FILE_ERROR}`,
    );
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => null);
  if (
    !meta ||
    meta.format !== SHARP_FORMAT[format] ||
    (format === 'avif' && meta.compression !== 'av1')
  ) {
    throw ValidationError.field(
      'file',
      `The file is damaged or not what its first bytes say. ${FILE_ERROR}`,
    );
  }
  const { width = 0, height = 0 } = meta;
  if (width * height > MAX_PIXELS) {
    throw ValidationError.field(
      'file',
      `The image is ${width}×${height} pixels; at most ${MAX_PIXELS / 1_000_000} megapixels are accepted.`,
    );
  }
  const key = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  const upright = sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
  try {
    const original = await encodeOriginal(upright.clone(), format).toBuffer({
      resolveWithObject: true,
    });
    const files: ImageFile[] = [
      { key: originalPath(key, format), bytes: original.data, contentType: CONTENT_TYPES[format]! },
    ];
    for (const [size, edge] of Object.entries(IMAGE_SIZES) as [ImageSize, number][]) {
      const data = await upright
        .clone()
        .resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 82 })
        .toBuffer();
      files.push({ key: sizePath(key, size), bytes: data, contentType: 'image/webp' });
    }
    return { key, format, width: original.info.width, height: original.info.height, files };
  } catch {
    throw ValidationError.field('file', `The image could not be decoded. ${FILE_ERROR}`);
  }
}
