import { createWriteStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { problem } from "../auth/http";
import { IngestError } from "./errors";
import { safeRelativePath } from "./manifest";
import type { IngestLimits } from "./source";

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

export interface CaseForm {
  form: FormData;
  /** The `case` field, a JSON object. */
  fields: Record<string, unknown>;
  files: { name: string; bytes: Buffer }[];
}

/**
 * Reads a one-case multipart request (a `case` JSON field and the image files), as the REST
 * endpoints for one study case and one audit case take it. A ready 4xx response otherwise.
 */
export async function readCaseForm(
  req: Request,
  limits: IngestLimits,
): Promise<CaseForm | Response> {
  // The form is parsed in memory, so its size must be declared and bounded first.
  const declared = req.headers.get("content-length");
  if (declared === null) return problem(411, "Send a Content-Length with the case");
  if (Number(declared) > limits.maxFileBytes * 4) {
    return problem(413, "The request is too large for one case");
  }
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    return problem(
      400,
      "Send multipart/form-data with a `case` field (JSON) and the image file(s)",
    );
  }
  let fields: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(String(form.get("case") ?? ""));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error();
    fields = parsed as Record<string, unknown>;
  } catch {
    return problem(400, "The `case` field must be a JSON object (see the API documentation)");
  }
  const files: { name: string; bytes: Buffer }[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === "string") continue;
    const name = safeRelativePath(value.name || field);
    if (!name || name.includes("/") || name.startsWith("manifest.")) {
      return problem(400, `File name ${value.name} is not usable; send plain file names`);
    }
    if (value.size > limits.maxFileBytes) {
      return problem(
        413,
        `${name} is larger than the ${Math.round(limits.maxFileBytes / 1048576)} MB file limit`,
      );
    }
    files.push({ name, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  if (files.length === 0) return problem(400, "Attach the case's image file(s)");
  return { form, fields, files };
}
