import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { storageRoot } from "./env";

function resolveInStore(relativePath: string, root = storageRoot()): string {
  const full = path.resolve(root, relativePath);
  if (!full.startsWith(root + path.sep))
    throw new Error(`Path escapes the image store: ${relativePath}`);
  return full;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes a file into the image store; returns its store-relative path and sha256. */
export async function storeFile(
  relativePath: string,
  data: Buffer,
): Promise<{ path: string; sha256: string }> {
  const full = resolveInStore(relativePath);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, data);
  return { path: relativePath, sha256: sha256(data) };
}

export function readStoredFile(relativePath: string): Promise<Buffer> {
  return readFile(resolveInStore(relativePath));
}
