/**
 * Backup and restore as docs/operations.md describes them: `npx blindread backup` (pg_dump,
 * then the image store) and `npx blindread restore` into a new database and a new image
 * folder; the restored installation gives the same results, byte-identical exports, the same
 * audit chain and every image.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { text } from "node:stream/consumers";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { verifyAuditChain } from "@/server/audit/verify";
import { createDatabase, dropDatabase, withDatabase } from "@/server/db/admin";
import { serverVersion, toolMajorVersion } from "@/server/db/backup";
import { createPrismaClient, type Db } from "@/server/db/client";
import { createScratchDatabase } from "@/server/db/scratch";
import { parseDatabaseUrl } from "@/server/db/connection";
import { exportStudy } from "@/server/exports/mutations";
import { getStudyResults } from "@/server/results/data";
import { sha256 } from "@/server/storage";
import { db, makeUser, openedStudy, readAll } from "./helpers";

const exec = promisify(execFile);

async function cli(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await exec("node", ["bin/blindread.mjs", ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// This file backs up a database of its own: the one the other test files share at the same
// time holds their cases, whose images live in their own folders, and would not restore whole.
const shared = { url: process.env.DATABASE_URL!, holder: globalThis as { blindreadPrisma?: Db } };
const own = await createScratchDatabase("blindread_backup_source");
process.env.DATABASE_URL = own.url;
const sharedClient = shared.holder.blindreadPrisma;
shared.holder.blindreadPrisma = createPrismaClient(own.url);

describe("backup and restore", () => {
  const server = parseDatabaseUrl(process.env.DATABASE_URL!);
  const restoredName = `blindread_restore_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const restoredUrl = withDatabase(process.env.DATABASE_URL!, restoredName);
  let tmp: string;
  let restored: ReturnType<typeof createPrismaClient> | undefined;

  afterAll(async () => {
    await db().$disconnect();
    shared.holder.blindreadPrisma = sharedClient;
    process.env.DATABASE_URL = shared.url;
    await own.dispose();
  });

  beforeAll(async () => {
    // pg_dump cannot dump a server newer than itself. Without DATABASE_URL the tests run on the
    // embedded PostgreSQL 18, which an older system pg_dump refuses: say so, do not skip.
    const [tool, pgServer] = await Promise.all([
      toolMajorVersion("pg_dump"),
      serverVersion(process.env.DATABASE_URL!),
    ]);
    if (tool < pgServer.major) {
      throw new Error(
        `The backup test needs pg_dump ${pgServer.major} or newer for this PostgreSQL ${pgServer.text} ` +
          `(pg_dump on PATH is ${tool}). Run the tests with DATABASE_URL set to a PostgreSQL ${tool} or older, ` +
          `e.g. DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres, or install pg_dump ${pgServer.major}.`,
      );
    }
    tmp = await mkdtemp(path.join(os.tmpdir(), "blindread-backup-"));
    await createDatabase(server, restoredName);
  });

  afterAll(async () => {
    await restored?.$disconnect();
    await dropDatabase(server, restoredName);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("restores a study into a new database with identical results, exports and images", async () => {
    // A filled study: three readers rate every item, levels spread over A-D by position.
    const study = await openedStudy(3, 4);
    for (const [r, reader] of study.readers.entries()) {
      const { list, items } = await readAll(reader.id);
      const caller = createCaller(createInnerContext({ userId: reader.id }));
      for (const [i, item] of items.entries()) {
        await caller.reading.rate({
          itemToken: item.itemToken,
          level: "ABCD"[(r + i) % 4] as "A",
          activeMs: 1_000 + i,
          idempotencyKey: `backup-${r}-${i}-${randomBytes(4).toString("hex")}`,
        });
      }
      await caller.reading.finish({ studyToken: list.studyToken });
    }
    const admin = await makeUser("ADMIN");
    const exportOf = async (format: "csv" | "jsonl") =>
      text(
        (
          await exportStudy(
            db(),
            { studyId: study.studyId, format },
            { userId: admin.id, actor: admin.email, channel: "web" },
          )
        ).stream,
      );

    const backupDir = path.join(tmp, "backup");
    const backedUp = await cli({}, "backup", backupDir);
    expect(backedUp, backedUp.stderr).toMatchObject({ code: 0 });
    // Taken after the dump: nothing written since the backup changes these.
    const before = {
      results: await getStudyResults(db(), study.studyId),
      csv: await exportOf("csv"),
      jsonl: await exportOf("jsonl"),
    };
    // 3 readers x 4 cases x 2 sources, plus the header line.
    expect(before.csv.trim().split("\n")).toHaveLength(25);

    const restoredImages = path.join(tmp, "restored-images");
    const restoring = await cli(
      { DATABASE_URL: restoredUrl, BLINDREAD_STORAGE_DIR: restoredImages },
      "restore",
      backupDir,
    );
    expect(restoring, restoring.stderr).toMatchObject({ code: 0 });
    expect(restoring.stdout).toContain(
      "every case image the database refers to is in the image store",
    );

    restored = createPrismaClient(restoredUrl);
    // The audit chain came across whole (checked before the exports below add to it): intact,
    // and its last event is the original's, hash for hash.
    const chain = await verifyAuditChain(restored);
    expect(chain.intact).toBe(true);
    const head = await db().auditEvent.findUniqueOrThrow({
      where: { id: BigInt(chain.head!.id) },
      select: { hash: true },
    });
    expect(chain.head!.hash).toBe(head.hash);
    expect(chain.events).toBe(
      await db().auditEvent.count({ where: { id: { lte: BigInt(chain.head!.id) } } }),
    );
    expect(await getStudyResults(restored, study.studyId)).toEqual(before.results);
    for (const format of ["csv", "jsonl"] as const) {
      const out = await cli(
        { DATABASE_URL: restoredUrl, BLINDREAD_STORAGE_DIR: restoredImages },
        "export",
        study.studyId,
        "--format",
        format,
      );
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toBe(before[format]);
    }

    // Every case image of the study is in the restored store, byte for byte.
    const cases = await restored.case.findMany({
      where: { studyId: study.studyId },
      select: { imagePath: true, imageSha256: true },
    });
    expect(cases).toHaveLength(4);
    for (const c of cases) {
      expect(sha256(await readFile(path.join(restoredImages, c.imagePath)))).toBe(c.imageSha256);
    }

    // A restore never lands on a database in use.
    const again = await cli(
      { DATABASE_URL: restoredUrl, BLINDREAD_STORAGE_DIR: restoredImages },
      "restore",
      backupDir,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("the target database is not empty");
  }, 120_000);
});
