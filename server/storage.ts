import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getEnv, storageRoot } from "./env";
import { S3ImageStore } from "./storage-s3";

/**
 * Where cases' images live. Keys are relative, slash-separated paths; the local directory is
 * the default, an S3-compatible bucket the option for several machines (server/storage-s3.ts).
 */
export interface ImageStore {
  /** Writes (or replaces) an object; a stream is piped, not read whole into memory. */
  put(key: string, data: Buffer | Readable): Promise<void>;
  /** A stream of the object's bytes; rejects with NotFoundError when there is none. */
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Where the store is, for logs and the health page (never credentials). */
  describe(): string;
}

export class NotFoundError extends Error {
  constructor(key: string) {
    super(`No stored object ${key}`);
    this.name = "NotFoundError";
  }
}

function checkKey(key: string): string {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split("/").includes("..")) {
    throw new Error(`Invalid storage key: ${key}`);
  }
  return key;
}

export class LocalImageStore implements ImageStore {
  constructor(readonly root: string) {}

  private resolve(key: string): string {
    const full = path.resolve(this.root, checkKey(key));
    if (!full.startsWith(this.root + path.sep)) throw new Error(`Key escapes the store: ${key}`);
    return full;
  }

  async put(key: string, data: Buffer | Readable): Promise<void> {
    const full = this.resolve(key);
    await mkdir(path.dirname(full), { recursive: true });
    // Written beside, then renamed: a reader never sees half a file.
    const partial = `${full}.${process.pid}.${Date.now()}.partial`;
    try {
      if (Buffer.isBuffer(data)) await writeFile(partial, data);
      else await pipeline(data, createWriteStream(partial));
      await rename(partial, full);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const full = this.resolve(key);
    try {
      await stat(full);
    } catch {
      throw new NotFoundError(key);
    }
    return createReadStream(full);
  }

  async delete(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(key))).isFile();
    } catch {
      return false;
    }
  }

  describe(): string {
    return `local directory ${this.root}`;
  }
}

let store: ImageStore | undefined;

/** The configured store: an S3-compatible bucket when BLINDREAD_S3_BUCKET is set, else local. */
export function getImageStore(): ImageStore {
  if (store) return store;
  const env = getEnv();
  if (env.BLINDREAD_S3_BUCKET) {
    store = new S3ImageStore({
      bucket: env.BLINDREAD_S3_BUCKET,
      endpoint: env.BLINDREAD_S3_ENDPOINT,
      region: env.BLINDREAD_S3_REGION,
      accessKeyId: env.BLINDREAD_S3_ACCESS_KEY_ID,
      secretAccessKey: env.BLINDREAD_S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.BLINDREAD_S3_FORCE_PATH_STYLE,
      prefix: env.BLINDREAD_S3_PREFIX,
    });
  } else {
    store = new LocalImageStore(storageRoot());
  }
  return store;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** sha256 of a file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Writes a file into the image store; returns its key and sha256. */
export async function storeFile(
  relativePath: string,
  data: Buffer,
): Promise<{ path: string; sha256: string }> {
  await getImageStore().put(relativePath, data);
  return { path: relativePath, sha256: sha256(data) };
}

export async function readStoredFile(relativePath: string): Promise<Buffer> {
  return readAll(await getImageStore().get(relativePath));
}
