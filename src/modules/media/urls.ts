/**
 * Where a product image's files are, by storage key: `<key>/original.<format>` and one WebP
 * per size. `base` is MEDIA_PUBLIC_URL, or the API's public base followed by `/media`.
 */
export const IMAGE_SIZES = { thumb: 200, medium: 600, large: 1200 } as const;
export type ImageSize = keyof typeof IMAGE_SIZES;

export const originalPath = (key: string, format: string) => `${key}/original.${format}`;
export const sizePath = (key: string, size: ImageSize) => `${key}/${size}.webp`;

export interface ImageRow {
  id: number;
  key: string;
  format: string;
  alt: string;
  width: number;
  height: number;
  position: number;
}

export function imageView(base: string, row: ImageRow) {
  return {
    id: row.id,
    url: `${base}/${originalPath(row.key, row.format)}`,
    alt: row.alt,
    width: row.width,
    height: row.height,
    position: row.position,
    sizes: {
      thumb: `${base}/${sizePath(row.key, 'thumb')}`,
      medium: `${base}/${sizePath(row.key, 'medium')}`,
      large: `${base}/${sizePath(row.key, 'large')}`,
    },
  };
}
