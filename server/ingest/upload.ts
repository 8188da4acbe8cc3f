import { createWriteStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { IngestError } from "./errors";

/**
 * Streams a request body to a temporary file, refusing it once it passes `limit` bytes
 * (whatever Content-Length claims). Returns the file; the caller removes its folder.
 */
export async function saveUpload(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  name: string,
): Promise<string> {
  if (!body) throw new IngestError("the request has no body");
  const dir = await mkdtemp(path.join(os.tmpdir(), "blindread-upload-"));
  const file = path.join(dir, name);
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit)
        callback(
          new IngestError(`the upload is larger than the ${Math.round(limit / 1048576)} MB limit`),
        );
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(body as unknown as WebReadableStream),
      cap,
      createWriteStream(file),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error instanceof IngestError ? error : new IngestError("the upload was interrupted");
  }
  return file;
}

/** Whether a file starts like a zip archive (local file header "PK\x03\x04"). */
export async function looksLikeZip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}

/** Writes one case (as the REST endpoint receives it) as a one-row JSON Lines dataset. */
export async function writeSingleCaseDataset(
  row: Record<string, unknown>,
  files: { name: string; bytes: Buffer }[],
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "blindread-case-"));
  for (const file of files) await writeFile(path.join(dir, file.name), file.bytes);
  await writeFile(path.join(dir, "manifest.jsonl"), JSON.stringify(row) + "\n");
  return dir;
}
