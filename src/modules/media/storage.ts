import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { MediaConfig, S3Config } from '../../config.js';

/** Files are named by content and never change: caches may keep them for good. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A stored file to serve: its bytes as a stream and its size. */
export interface StoredFile {
  size: number;
  stream(): Readable;
}

/** Where media files live. Keys are `<hash>/<name>.<ext>` (see urls.ts). */
export interface MediaStorage {
  /** Stores bytes under `key`, replacing any file there (same key, same content). */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** Removes the files; keys that do not exist are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** A local file to serve at /media/…, or null; only local storage serves files itself. */
  get?(key: string): Promise<StoredFile | null>;
  /** Releases connections (the app's onClose). */
  close?(): void;
}

/** A key the storage accepts: path segments of safe characters, no `.`/`..` segment. */
export const SAFE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function assertKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new Error(`unsafe media key ${JSON.stringify(key)}`);
  }
}

/** Files under a directory (DATA_DIR/media); each write goes to a temporary file, then is renamed. */
export class LocalStorage implements MediaStorage {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  private pathOf(key: string): string {
    assertKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`media key outside the root: ${key}`);
    return path;
  }

  async put(key: string, bytes: Buffer, _contentType?: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, bytes);
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const path = this.pathOf(key);
      await rm(path, { force: true });
      dirs.add(dirname(path));
    }
    // A key's directory goes with its last file (rmdir refuses a directory that is not empty).
    for (const dir of dirs) {
      if (dir !== this.root) await removeEmptyDir(dir);
    }
  }

  async get(key: string): Promise<StoredFile | null> {
    if (!SAFE_KEY.test(key) || key.split('/').includes('..')) return null;
    const path = join(this.root, key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { size: info.size, stream: () => createReadStream(path) };
    } catch {
      return null;
    }
  }
}

async function removeEmptyDir(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch {
    // Not empty (another image shares the key) or already gone.
  }
}

/** Any S3-compatible store; objects are written with their type and a cache lifetime of a year. */
export class S3Storage implements MediaStorage {
  private readonly client: S3Client;

  constructor(private readonly s3: S3Config) {
    this.client = new S3Client({
      region: s3.region,
      // Checksums only where S3 requires them: several S3-compatible stores refuse the
      // newer default (CRC32 headers and trailers on every request).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      forcePathStyle: s3.forcePathStyle,
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      ...(s3.accessKeyId && s3.secretAccessKey
        ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
        : {}),
    });
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    assertKey(key);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.s3.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        CacheControl: IMMUTABLE,
      }),
    );
  }

  async delete(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys a call.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      batch.forEach(assertKey);
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.s3.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = result.Errors?.filter((e) => e.Code !== 'NoSuchKey') ?? [];
      if (failed.length) {
        throw new Error(
          `S3 refused to delete ${failed.map((e) => `${e.Key}: ${e.Code}`).join(', ')}`,
        );
      }
    }
  }

  close(): void {
    this.client.destroy();
  }
}

/** The storage MEDIA_STORAGE names. */
export function openMediaStorage(media: MediaConfig): MediaStorage {
  if (media.storage === 's3' && media.s3) return new S3Storage(media.s3);
  return new LocalStorage(media.dir);
}
