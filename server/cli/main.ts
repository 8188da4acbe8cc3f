import { createWriteStream } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Command, Option } from "commander";
import { ZodError } from "zod";
import { createApiToken, createUser, revokeApiToken } from "../auth/mutations";
import { resolveDatabaseUrl } from "../db/local";
import { AppError } from "../errors";

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** Opens the database for one command and always closes it. */
async function withDb<T>(fn: (db: import("../db/client").Db) => Promise<T>): Promise<T> {
  const url = resolveDatabaseUrl();
  if (!url)
    fail("no database: set DATABASE_URL, or run `npm start` once to create the embedded one");
  process.env.DATABASE_URL = url;
  const { getDb } = await import("../db/client");
  const db = getDb();
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

const program = new Command("blindread")
  .description("Blindread: blinded reader studies of AI-written radiology reports")
  .showHelpAfterError();

const users = program.command("users").description("manage users");
users
  .command("create")
  .description("create a user")
  .requiredOption("--email <email>", "sign-in e-mail")
  .addOption(
    new Option("--role <role>", "role")
      .choices(["ADMIN", "READER", "admin", "reader"])
      .makeOptionMandatory(),
  )
  .requiredOption("--password <password>", "initial password (at least 8 characters)")
  .option("--name <name>", "display name")
  .action(async (opts: { email: string; role: string; password: string; name?: string }) => {
    const user = await withDb((db) =>
      createUser(db, {
        email: opts.email,
        role: opts.role.toUpperCase() as "ADMIN" | "READER",
        password: opts.password,
        name: opts.name,
      }),
    );
    console.log(`created ${user.role.toLowerCase()} ${user.email}`);
  });

const tokens = program.command("tokens").description("manage API tokens for /api/v1");
tokens
  .command("create")
  .description("create an API token for a user; it carries that user's role and is printed once")
  .requiredOption("--email <email>", "the user the token acts as")
  .option("--name <name>", "a label for the token", "cli")
  .action(async (opts: { email: string; name: string }) => {
    const created = await withDb((db) => createApiToken(db, opts));
    console.log(created.token);
    console.error(`token ${created.prefix}... created; store it now, it is not shown again`);
  });
tokens
  .command("revoke")
  .description("revoke a token, given the token, its id or its printed prefix")
  .argument("<token>")
  .action(async (token: string) => {
    const count = await withDb((db) => revokeApiToken(db, token));
    if (count === 0) fail("no active token matches");
    console.log(`revoked ${count} token(s)`);
  });

const demo = program.command("demo").description("the demo study");
demo
  .command("seed")
  .description("create the demo users, model and study (once) and queue its AI reports")
  .action(async () => {
    await withDb(async () => {
      const { seedDemoAndEnqueue } = await import("../demo/seed-and-queue");
      await seedDemoAndEnqueue((line) => console.log(line));
    });
  });
demo
  .command("dataset")
  .description("write the demo cases as an importable dataset folder (manifest.csv + images)")
  .argument("<folder>", "where to write it (created if missing)")
  .option("--cases <n>", "number of cases", "24")
  .option("--dicom", "write DICOM files with made-up identifiers instead of PNG")
  .option("--size <px>", "image width and height", "1024")
  .action(async (folder: string, opts: { cases: string; dicom?: boolean; size: string }) => {
    const cases = Number.parseInt(opts.cases, 10);
    const size = Number.parseInt(opts.size, 10);
    if (!(cases >= 1 && cases <= 5000)) fail("--cases must be between 1 and 5000");
    if (!(size >= 64 && size <= 4096)) fail("--size must be between 64 and 4096");
    const { writeDemoDataset } = await import("../demo/dataset");
    const result = await writeDemoDataset(folder, {
      cases,
      format: opts.dicom ? "dicom" : "png",
      size,
    });
    console.log(`wrote ${result.cases} cases and ${result.manifest}`);
  });

const models = program.command("models").description("the model registry");
models
  .command("add")
  .description(
    "register a model version from its folder (the sha256 is computed and checked at load)",
  )
  .requiredOption("--name <name>", "model name")
  .requiredOption("--version <version>", "model version; new weights need a new version")
  .addOption(
    new Option("--kind <kind>", "model kind")
      .choices(["findings-classifier", "image-to-text"])
      .makeOptionMandatory(),
  )
  .requiredOption("--path <folder>", "folder with the model's files")
  .option("--params <json>", "generation parameters as a JSON object", "{}")
  .action(
    async (opts: { name: string; version: string; kind: string; path: string; params: string }) => {
      let parameters: unknown;
      try {
        parameters = JSON.parse(opts.params);
      } catch {
        fail("--params must be a JSON object, e.g. '{\"max_new_tokens\": 128}'");
      }
      const model = await withDb(async (db) => {
        const { addModel } = await import("../models/mutations");
        return addModel(db, {
          name: opts.name,
          version: opts.version,
          kind: opts.kind === "image-to-text" ? "IMAGE_TO_TEXT" : "FINDINGS_CLASSIFIER",
          path: opts.path,
          parameters: parameters as Record<string, never>,
        });
      });
      console.log(`registered ${model.name} ${model.version} (sha256 ${model.sha256})`);
    },
  );
models
  .command("list")
  .description("list registered models")
  .action(async () => {
    const rows = await withDb(async (db) => (await import("../models/data")).listModels(db));
    for (const m of rows) {
      console.log(`${m.name}\t${m.version}\t${m.kind}\t${m.reports} reports\t${m.path}`);
    }
  });

program
  .command("export")
  .description("export a study's unblinded ratings (recorded with who and when)")
  .argument("<study>", "study id")
  .addOption(
    new Option("--format <format>", "csv, jsonl, or bundle (zip)")
      .choices(["csv", "jsonl", "bundle"])
      .default("csv"),
  )
  .option("--out <file>", "write to this file instead of standard output")
  .action(async (studyId: string, opts: { format: string; out?: string }) => {
    if (opts.format === "bundle" && !opts.out && process.stdout.isTTY) {
      fail("a bundle is a zip file: give --out <file> or redirect standard output");
    }
    await withDb(async (db) => {
      const { exportStudy, cliActor } = await import("../exports/mutations");
      const result = await exportStudy(db, { studyId, format: opts.format }, cliActor());
      const target = opts.out ? createWriteStream(opts.out) : process.stdout;
      await pipeline(result.stream, target);
      if (opts.out) console.error(`wrote ${opts.out}`);
    });
  });

program
  .command("import")
  .description("import cases (manifest + images, a folder or a .zip) into a draft study")
  .argument("<study>", "study id, or the study's exact name")
  .argument("<dataset>", "folder or .zip holding manifest.csv or manifest.jsonl and the images")
  .option("--skip-invalid", "import the valid rows and list the invalid ones, instead of nothing")
  .option("--keep-originals", "also store the de-identified source files")
  .action(
    async (
      studyRef: string,
      location: string,
      opts: { skipInvalid?: boolean; keepOriginals?: boolean },
    ) => {
      const outcome = await withDb(async (db) => {
        const { createImportJob, executeImport } = await import("../ingest/jobs");
        const { openDataset } = await import("../ingest/source");
        const { createQueue, enqueueReportGeneration } = await import("../jobs/queue");
        const matches = await db.study.findMany({
          where: { OR: [{ id: studyRef }, { name: studyRef }] },
          select: { id: true },
        });
        if (matches.length !== 1) {
          fail(
            matches.length === 0
              ? `no study ${studyRef}`
              : `several studies are named ${studyRef}; give its id`,
          );
        }
        const importId = await createImportJob(db, {
          studyId: matches[0]!.id,
          userId: null,
          origin: "cli",
          sourceName: path.basename(location),
          options: { skipInvalid: !!opts.skipInvalid, keepOriginals: !!opts.keepOriginals },
        });
        const started = Date.now();
        const tty = process.stderr.isTTY;
        let lastLine = "";
        const progress = (p: { total: number; processed: number; problems: number }) => {
          const seconds = (Date.now() - started) / 1000;
          const rate = seconds > 0 ? p.processed / seconds : 0;
          const line = `${p.processed}/${p.total} cases, ${rate.toFixed(1)}/s, ${p.problems} problem${p.problems === 1 ? "" : "s"}`;
          if (line === lastLine) return;
          lastLine = line;
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
        };
        const enqueue = async (ids: string[]) => {
          const boss = createQueue(process.env.DATABASE_URL!, {
            supervise: false,
            schedule: false,
          });
          await boss.start();
          try {
            await enqueueReportGeneration(boss, db, ids);
          } finally {
            await boss.stop({ graceful: false, close: true });
          }
        };
        const result = await executeImport(
          db,
          importId,
          () => openDataset(location),
          enqueue,
          progress,
        );
        if (tty) process.stderr.write("\n");
        return result;
      });
      for (const p of outcome.problems) {
        console.error(
          `${p.row === null ? "manifest" : `line ${p.row}`}${p.caseId ? ` (case ${p.caseId})` : ""}: ${p.message}`,
        );
      }
      if (outcome.status === "FAILED") fail(outcome.error ?? "the import failed");
      console.log(
        `imported ${outcome.imported} case${outcome.imported === 1 ? "" : "s"}` +
          `, ${outcome.unchanged} already present` +
          (outcome.held ? `, ${outcome.held} held for review (possible burned-in text)` : "") +
          (outcome.skippedRows
            ? `, ${outcome.skippedRows} invalid row${outcome.skippedRows === 1 ? "" : "s"} skipped`
            : ""),
      );
    },
  );

program
  .command("backup")
  .description(
    "back up the database (pg_dump) and then the local image store into a new folder (docs/operations.md)",
  )
  .argument("<dir>", "a new or empty folder")
  .action(async (dir: string) => {
    const url = resolveDatabaseUrl();
    if (!url) fail("no database: set DATABASE_URL");
    process.env.DATABASE_URL = url;
    const { getEnv, storageRoot } = await import("../env");
    const { backupTo } = await import("../db/backup");
    const s3 = getEnv().BLINDREAD_S3_BUCKET;
    const manifest = await backupTo({
      databaseUrl: url,
      dir,
      imagesDir: s3 ? null : storageRoot(),
    });
    console.log(
      `database: ${path.join(dir, manifest.database.file)} (${manifest.database.serverVersion})`,
    );
    if (manifest.images) {
      console.log(
        `images: ${manifest.images.files} files, ${(manifest.images.bytes / 1048576).toFixed(1)} MB in ${path.join(dir, manifest.images.dir)}`,
      );
    } else {
      console.log(
        `images: in the bucket ${s3}; copy it now with the bucket's tools (e.g. aws s3 sync), after this dump`,
      );
    }
  });

program
  .command("restore")
  .description("restore a backup folder into an empty database and the image store")
  .argument("<dir>", "a folder written by blindread backup")
  .action(async (dir: string) => {
    const url = resolveDatabaseUrl();
    if (!url) fail("no database: set DATABASE_URL to a new, empty database");
    process.env.DATABASE_URL = url;
    const { getEnv, storageRoot } = await import("../env");
    const { restoreFrom, missingImages } = await import("../db/backup");
    const s3 = getEnv().BLINDREAD_S3_BUCKET;
    const manifest = await restoreFrom({
      databaseUrl: url,
      dir,
      imagesDir: s3 ? null : storageRoot(),
    });
    console.log(`database restored from ${manifest.database.file} (taken ${manifest.createdAt})`);
    const { missing, missingOfHeld } = await withDb(async (db) => {
      const { getImageStore } = await import("../storage");
      const store = getImageStore();
      return missingImages(db, (key) => store.exists(key));
    });
    if (missingOfHeld.length > 0) {
      console.error(
        `${missingOfHeld.length} image(s) of held cases are missing (discarded after the dump?): discard those cases again`,
      );
    }
    if (missing.length > 0) {
      fail(
        `${missing.length} image(s) the database refers to are not in the image store, e.g. ${missing.slice(0, 3).join(", ")}`,
      );
    }
    console.log("every case image the database refers to is in the image store");
  });

const audit = program.command("audit").description("the tamper-evident audit trail");
audit
  .command("verify")
  .description("recompute the hash chain of every audit event; exits 1 if it is broken")
  .action(async () => {
    const report = await withDb(async (db) => {
      const { verifyAuditChain } = await import("../audit/verify");
      return verifyAuditChain(db);
    });
    if (!report.intact) {
      fail(`audit trail broken at event ${report.firstBroken!.id}: ${report.firstBroken!.reason}`);
    }
    console.log(`audit trail intact: ${report.events} events, every link and hash verified`);
    if (report.head) console.log(`head: event ${report.head.id} ${report.head.hash}`);
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof AppError) fail(error.message);
  if (error instanceof ZodError) {
    fail(error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
  }
  fail(error instanceof Error ? error.message : String(error));
});
