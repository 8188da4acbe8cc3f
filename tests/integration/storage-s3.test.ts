import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getImageStore, NotFoundError, readAll } from "@/server/storage";
import { S3ImageStore } from "@/server/storage-s3";
import { createImportJob, executeImport } from "@/server/ingest/jobs";
import { openDataset } from "@/server/ingest/source";
import { dicomCase, writeDataset } from "../fixtures/datasets";
import { db, makeStudy, makeUser } from "./helpers";

// An S3 server on loopback (s3rver: S3's REST API over a local folder) stands in for MinIO or AWS.
const dir = mkdtempSync(path.join(os.tmpdir(), "blindread-s3-"));
const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
const BUCKET = "blindread-images";
let endpoint = "";

beforeAll(async () => {
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The whole file's image store is this bucket (settings are read once, on first use).
  Object.assign(process.env, {
    BLINDREAD_S3_BUCKET: BUCKET,
    BLINDREAD_S3_ENDPOINT: endpoint,
    BLINDREAD_S3_ACCESS_KEY_ID: "S3RVER",
    BLINDREAD_S3_SECRET_ACCESS_KEY: "S3RVER",
    BLINDREAD_S3_PREFIX: "test/",
  });
});
afterAll(async () => {
  for (const key of Object.keys(process.env))
    if (key.startsWith("BLINDREAD_S3_")) delete process.env[key];
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the S3 image store", () => {
  it("streams objects in and out, including multipart uploads, and reports missing ones", async () => {
    const store = new S3ImageStore({
      endpoint,
      bucket: BUCKET,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
      prefix: "unit/",
    });
    // 12 MB in two chunks: more than one 5 MB part, sent without knowing the length first.
    const big = [Buffer.alloc(6_000_000, 1), Buffer.alloc(6_000_000, 2)];
    await store.put("a/big.bin", Readable.from(big));
    const back = await readAll(await store.get("a/big.bin"));
    expect(back.length).toBe(12_000_000);
    expect(back.equals(Buffer.concat(big))).toBe(true);
    expect(await store.exists("a/big.bin")).toBe(true);
    await store.delete("a/big.bin");
    expect(await store.exists("a/big.bin")).toBe(false);
    await expect(store.get("a/big.bin")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("is where an import stores its derivatives when a bucket is configured", async () => {
    expect(getImageStore().describe()).toContain(BUCKET);
    const reader = await makeUser("READER");
    const { studyId } = await makeStudy({ readerIds: [reader.id], cases: [] });
    const data = await writeDataset([await dicomCase("S3-1")]);
    const importId = await createImportJob(db(), {
      studyId,
      userId: null,
      origin: "cli",
      sourceName: "s3",
      options: { skipInvalid: false, keepOriginals: false },
    });
    const outcome = await executeImport(
      db(),
      importId,
      () => openDataset(data),
      async () => undefined,
    );
    expect(outcome.status).toBe("SUCCEEDED");
    const row = await db().case.findFirstOrThrow({ where: { studyId } });
    const png = await readAll(await getImageStore().get(row.imagePath));
    // A PNG signature: the display image came back from the bucket.
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(await getImageStore().exists(row.image16Path!)).toBe(true);
  });
});
