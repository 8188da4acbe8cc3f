import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import dicomParser from "dicom-parser";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as uploadRoute } from "@/app/api/admin/studies/[id]/imports/route";
import { POST as addCaseRoute } from "@/app/api/v1/studies/[id]/cases/route";
import { createCaller } from "@/server/api/root";
import { createApiToken } from "@/server/auth/mutations";
import { createInnerContext } from "@/server/api/trpc";
import { storageRoot } from "@/server/env";
import { createImportJob, executeImport } from "@/server/ingest/jobs";
import { runImport } from "@/server/ingest/importer";
import { openDataset } from "@/server/ingest/source";
import { openStudy } from "@/server/studies/mutations";
import { PHI, TS } from "../fixtures/dicom";
import {
  dicomCase,
  dicomCases,
  jpegWithMetadata,
  manifestCsv,
  pngWithMetadata,
  writeDataset,
  zipDataset,
  type CaseFile,
} from "../fixtures/datasets";
import { db, makeStudy, makeUser } from "./helpers";
import { multipartRequest } from "./multipart";

let adminId: string;
let readerId: string;
beforeAll(async () => {
  adminId = (await makeUser("ADMIN")).id;
  readerId = (await makeUser("READER")).id;
});
afterEach(() => vi.restoreAllMocks());

async function draftStudy() {
  return (await makeStudy({ readerIds: [readerId], cases: [] })).studyId;
}

/** Runs an import as the CLI and the web app do (job row, progress, outcome). */
async function importInto(
  studyId: string,
  location: string,
  options = { skipInvalid: false, keepOriginals: false },
) {
  const queued: string[] = [];
  const importId = await createImportJob(db(), {
    studyId,
    userId: adminId,
    origin: "cli",
    sourceName: path.basename(location),
    options,
  });
  const outcome = await executeImport(
    db(),
    importId,
    () => openDataset(location),
    async (ids) => {
      queued.push(...ids);
    },
  );
  return { importId, outcome, queued };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

async function storedFilesOf(studyId: string): Promise<string[]> {
  try {
    return await filesUnder(path.join(storageRoot(), "studies", studyId));
  } catch {
    return [];
  }
}

/** Every planted identifier, and the parts of it a partial leak would show. */
const PHI_STRINGS = [
  ...Object.values(PHI),
  "WILHELMINA",
  "XAVIERA",
  "OLGA",
  "ZEBULON",
  "88442211",
  "55667788",
  "998877",
];

function findPhi(text: string): string[] {
  return PHI_STRINGS.filter((s) => text.includes(s));
}

async function databaseText(): Promise<string> {
  const tables = await db().$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await db().$queryRawUnsafe<{ t: string }[]>(
      `SELECT t::text AS t FROM "${table_name}" t`,
    );
    parts.push(...rows.map((r) => r.t));
  }
  return parts.join("\n");
}

describe("importing a DICOM dataset", () => {
  it("imports every supported encoding and leaves no identifier in the database, files, API or logs", async () => {
    const studyId = await draftStudy();
    const cases = await dicomCases();
    const dir = await writeDataset(cases);
    const logged: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(" "));
      });
    }
    const { importId, outcome, queued } = await importInto(studyId, dir, {
      skipInvalid: false,
      keepOriginals: true,
    });
    vi.restoreAllMocks();
    expect(outcome.problems).toEqual([]);
    expect(outcome).toMatchObject({
      status: "SUCCEEDED",
      imported: cases.length,
      unchanged: 0,
      held: 0,
    });
    // One generation job per case for the study's one served model.
    expect(queued).toHaveLength(cases.length);

    const rows = await db().case.findMany({ where: { studyId }, orderBy: { externalId: "asc" } });
    expect(rows.map((r) => r.externalId)).toEqual(cases.map((c) => c.caseId).sort());
    for (const row of rows) {
      expect(row.importId).toBe(importId);
      const info = row.imageInfo as {
        width: number;
        height: number;
        pixelSpacing: number[];
        bitsStored: number;
      };
      // The fixture's geometry: 40 columns x 48 rows, 0.139 mm spacing, 12 bits.
      expect(info).toMatchObject({
        width: 40,
        height: 48,
        pixelSpacing: [0.139, 0.139],
        bitsStored: 12,
      });
      const full16 = await sharp(path.join(storageRoot(), row.image16Path!)).metadata();
      expect([full16.depth, full16.channels, full16.width, full16.height]).toEqual([
        "ushort",
        1,
        40,
        48,
      ]);
      const display = await sharp(path.join(storageRoot(), row.imagePath)).metadata();
      expect([display.depth, display.width, display.height]).toEqual(["uchar", 40, 48]);
      const thumb = await sharp(path.join(storageRoot(), row.thumbPath!)).metadata();
      expect(thumb.format).toBe("jpeg");
      expect(row.originalPath).toMatch(/original\.dcm$/);
      const record = row.deidentification as {
        profile: string;
        privateRemoved: number;
        tags: string[];
      };
      expect(record.profile).toContain("PS3.15");
      // The fixture plants two private attributes and the patient's name and id.
      expect(record.privateRemoved).toBe(2);
      expect(record.tags).toEqual(
        expect.arrayContaining(["(0010,0010)", "(0010,0020)", "(0020,000D)"]),
      );
    }

    // Kept originals are still DICOM, marked de-identified, with pseudonymized UIDs that keep
    // the fixture's links: all six files share one study UID in the source, so in the copies.
    const studyUids = new Set<string>();
    for (const row of rows) {
      const bytes = await readFile(path.join(storageRoot(), row.originalPath!));
      const ds = dicomParser.parseDicom(new Uint8Array(bytes));
      expect(ds.string("x00120062")).toBe("YES");
      expect(ds.string("x00100010") ?? "").toBe("");
      expect(ds.elements.x00091010).toBeUndefined();
      studyUids.add(ds.string("x0020000d")!);
      expect(ds.string("x0020000d")).toMatch(/^2\.25\.\d+$/);
    }
    expect(studyUids.size).toBe(1);

    const leaks: string[] = [];
    for (const file of await storedFilesOf(studyId)) {
      const found = findPhi((await readFile(file)).toString("latin1"));
      if (found.length) leaks.push(`${path.basename(file)}: ${found.join(", ")}`);
    }
    expect(leaks).toEqual([]);
    expect(findPhi(await databaseText())).toEqual([]);
    expect(findPhi(logged.join("\n"))).toEqual([]);
    const admin = createCaller(createInnerContext({ userId: adminId }));
    const responses = JSON.stringify([
      await admin.studies.get({ id: studyId }),
      await admin.imports.get({ importId }),
      await admin.imports.list({ id: studyId }),
    ]);
    expect(findPhi(responses)).toEqual([]);
  });

  it("stores no original unless asked, and reports an unsupported transfer syntax by its UID", async () => {
    const studyId = await draftStudy();
    const good = await dicomCase("GOOD");
    const mpeg = await dicomCase("MPEG", { transferSyntax: TS.mpeg2 });
    const dir = await writeDataset([good, mpeg]);
    const { outcome } = await importInto(studyId, dir, { skipInvalid: true, keepOriginals: false });
    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.imported).toBe(1);
    expect(outcome.problems).toEqual([
      expect.objectContaining({
        row: 3,
        caseId: "MPEG",
        message: expect.stringContaining(`unsupported transfer syntax ${TS.mpeg2}`),
      }),
    ]);
    const [row] = await db().case.findMany({ where: { studyId } });
    expect(row!.originalPath).toBeNull();
    // Only the attributes were read, and the record still says what the profile found.
    expect(row!.deidentification).toMatchObject({
      originalKept: false,
      privateRemoved: 2,
      tags: expect.arrayContaining(["(0010,0010)", "(0008,0080)"]),
    });
    expect((await storedFilesOf(studyId)).map((f) => path.basename(f)).sort()).toEqual([
      "display.png",
      "full16.png",
      "thumb.jpg",
    ]);
  });

  it("holds burned-in annotations and unmarked secondary captures for review", async () => {
    const studyId = await draftStudy();
    const burned = await dicomCase("BURNED", { burnedIn: "YES" }, 1);
    const capture = await dicomCase("CAPTURE", { sopClass: "1.2.840.10008.5.1.4.1.1.7" }, 2);
    const clean = await dicomCase("CLEAN", { burnedIn: "NO" }, 3);
    const dir = await writeDataset([burned, capture, clean]);
    const { outcome, queued } = await importInto(studyId, dir);
    expect(outcome).toMatchObject({ status: "SUCCEEDED", imported: 3, held: 2 });
    expect(queued).toHaveLength(1);
    const admin = createCaller(createInnerContext({ userId: adminId }));
    const held = await admin.imports.held({ id: studyId });
    expect(held.map((h) => h.externalId)).toEqual(["BURNED", "CAPTURE"]);
    expect(held[0]!.reason).toMatch(/Burned In Annotation is YES/);
    expect(held[1]!.reason).toMatch(/secondary capture/);
    const detail = await admin.studies.get({ id: studyId });
    expect(detail.caseList.filter((c) => c.status === "HELD")).toHaveLength(2);

    expect((await admin.imports.release({ caseId: held[0]!.id })).queued).toBe(1);
    const discarded = await db().case.findUniqueOrThrow({ where: { id: held[1]!.id } });
    await admin.imports.discard({ caseId: held[1]!.id });
    expect(await db().case.findUnique({ where: { id: held[1]!.id } })).toBeNull();
    const remaining = (await storedFilesOf(studyId)).map((f) => path.relative(storageRoot(), f));
    expect(remaining).not.toContain(discarded.imagePath);
    expect(await admin.imports.held({ id: studyId })).toEqual([]);
  });
});

describe("all or nothing", () => {
  async function mixedDataset(): Promise<{ dir: string; cases: CaseFile[] }> {
    const good = [await dicomCase("OK-1", {}, 1), await dicomCase("OK-2", {}, 2)];
    const notAnImage: CaseFile = {
      caseId: "TEXT",
      file: "images/TEXT.dcm",
      bytes: Buffer.from("just some text, named .dcm"),
    };
    const truncated = await dicomCase("TRUNC", {}, 4);
    truncated.bytes = truncated.bytes.subarray(0, 400);
    const cases = [...good, notAnImage, truncated];
    let csv = manifestCsv(cases);
    csv += "DUP,images/OK-1.dcm,Findings: duplicate id.,,,,,,\n".replace("DUP", "OK-1");
    csv += "EMPTY,images/OK-2.dcm,,,,,,,\n";
    csv += "MISSING,images/nowhere.dcm,Findings: x.,,,,,,\n";
    csv += "ESCAPE,../outside.dcm,Findings: x.,,,,,,\n";
    csv += "BADLABEL,images/OK-2.dcm,Findings: x.,maybe,,,,,\n";
    const bytes = Buffer.concat([
      Buffer.from(csv),
      Buffer.from("LATIN,images/OK-2.dcm,Findings: caf"),
      Buffer.from([0xe9]),
      Buffer.from(".,,,,,,\n"),
    ]);
    const dir = await writeDataset(cases, { name: "manifest.csv", text: bytes });
    return { dir, cases };
  }

  it("imports nothing when any row is invalid, and reports every row with its reason", async () => {
    const studyId = await draftStudy();
    const { dir } = await mixedDataset();
    const { outcome } = await importInto(studyId, dir);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error).toMatch(/nothing was imported/);
    const byCase = (id: string) =>
      outcome.problems
        .filter((p) => p.caseId === id)
        .map((p) => p.message)
        .join(" | ");
    // Rows are manifest lines: the header is line 1, TEXT is line 4, TRUNC 5, then the extras.
    expect(outcome.problems.find((p) => p.caseId === "TEXT")?.row).toBe(4);
    expect(byCase("TEXT")).toMatch(/not a DICOM, PNG or JPEG image/);
    expect(byCase("TRUNC")).toMatch(/DICOM|pixel data/i);
    expect(byCase("OK-1")).toMatch(/already used on line 2/);
    expect(byCase("EMPTY")).toMatch(/ground-truth report is empty/);
    expect(byCase("MISSING")).toMatch(/file images\/nowhere.dcm not found/);
    expect(byCase("ESCAPE")).toMatch(/must be relative to the manifest/);
    expect(byCase("BADLABEL")).toMatch(/label must be normal or abnormal/);
    expect(byCase("LATIN")).toMatch(/not valid UTF-8/);
    expect(await db().case.count({ where: { studyId } })).toBe(0);
    expect(await storedFilesOf(studyId)).toEqual([]);
  });

  it("with skip-invalid imports the valid rows and lists the skipped ones", async () => {
    const studyId = await draftStudy();
    const { dir } = await mixedDataset();
    const { outcome } = await importInto(studyId, dir, { skipInvalid: true, keepOriginals: false });
    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.imported).toBe(2);
    // TEXT, TRUNC, the duplicate OK-1, EMPTY, MISSING, ESCAPE, BADLABEL, LATIN.
    expect(outcome.skippedRows).toBe(8);
    const ids = (
      await db().case.findMany({ where: { studyId }, select: { externalId: true } })
    ).map((c) => c.externalId);
    expect(ids.sort()).toEqual(["OK-1", "OK-2"]);
  });

  it("refuses a manifest with an unknown column before reading any image", async () => {
    const studyId = await draftStudy();
    const c = await dicomCase("A");
    const dir = await writeDataset([c], {
      name: "manifest.csv",
      text: `case_id,image,report,patient_name\nA,${c.file},Findings: x.,Smith\n`,
    });
    const { outcome } = await importInto(studyId, dir, { skipInvalid: true, keepOriginals: false });
    expect(outcome.status).toBe("FAILED");
    expect(outcome.problems[0]!.message).toMatch(/unknown column\(s\) patient_name/);
    expect(await db().case.count({ where: { studyId } })).toBe(0);
  });
});

describe("re-imports", () => {
  it("adds nothing twice, and reports a changed row as a conflict without overwriting", async () => {
    const studyId = await draftStudy();
    const cases = [await dicomCase("R-1", {}, 1), await dicomCase("R-2", {}, 2)];
    const dir = await writeDataset(cases);
    expect((await importInto(studyId, dir)).outcome).toMatchObject({
      status: "SUCCEEDED",
      imported: 2,
    });
    const again = await importInto(studyId, dir);
    expect(again.outcome).toMatchObject({ status: "SUCCEEDED", imported: 0, unchanged: 2 });
    expect(await db().case.count({ where: { studyId } })).toBe(2);

    cases[1]!.report = "Findings: A different report. Impression: Changed.";
    await writeFile(path.join(dir, "manifest.csv"), manifestCsv(cases));
    const changed = await importInto(studyId, dir);
    expect(changed.outcome.status).toBe("FAILED");
    expect(changed.outcome.problems).toEqual([
      expect.objectContaining({
        caseId: "R-2",
        message: expect.stringContaining("already exists in this study with other content"),
      }),
    ]);
    const gt = await db().report.findFirstOrThrow({
      where: { case: { studyId, externalId: "R-2" }, source: "GROUND_TRUTH" },
    });
    expect(gt.text).toContain("R-2 lungs are clear");
  });
});

describe("PNG and JPEG, external AI reports, zips", () => {
  it("strips EXIF and text chunks, and treats imported AI reports like generated ones", async () => {
    const studyId = await draftStudy();
    const png: CaseFile = { caseId: "P-1", file: "p1.png", bytes: await pngWithMetadata(1) };
    const jpg: CaseFile = { caseId: "J-1", file: "j1.jpg", bytes: await jpegWithMetadata(2) };
    // The source files really carry the identifiers the test then looks for.
    expect(findPhi(png.bytes.toString("latin1"))).toContain(PHI.comment);
    expect(findPhi(jpg.bytes.toString("latin1"))).toContain(PHI.patientName);
    const lines = [png, jpg].map((c, i) =>
      JSON.stringify({
        case_id: c.caseId,
        image: c.file,
        findings: `Heart size normal ${i}.`,
        impression: "No acute disease.",
        label: i === 0 ? "normal" : "abnormal",
        finding_tags: i === 0 ? [] : ["effusion"],
        site: "north",
        ai_reports: [
          { model: "outside-cxr", version: "2.1", text: `Findings: External text ${i}.` },
        ],
      }),
    );
    const dir = await writeDataset([png, jpg], { name: "manifest.jsonl", text: lines.join("\n") });
    const { outcome, queued } = await importInto(studyId, dir, {
      skipInvalid: false,
      keepOriginals: true,
    });
    expect(outcome.problems).toEqual([]);
    expect(outcome).toMatchObject({ status: "SUCCEEDED", imported: 2 });
    expect(queued).toHaveLength(2); // the demo model still generates its own reports

    const leaks: string[] = [];
    for (const file of await storedFilesOf(studyId)) {
      const found = findPhi((await readFile(file)).toString("latin1"));
      if (found.length) leaks.push(`${path.basename(file)}: ${found.join(", ")}`);
    }
    expect(leaks).toEqual([]);

    const external = await db().aiModel.findUniqueOrThrow({
      where: { name_version: { name: "outside-cxr", version: "2.1" } },
    });
    expect(external.kind).toBe("EXTERNAL");
    expect(await db().studyModel.count({ where: { studyId, modelId: external.id } })).toBe(1);
    const jCase = await db().case.findFirstOrThrow({
      where: { studyId, externalId: "J-1" },
      include: { reports: true },
    });
    expect(jCase).toMatchObject({ isAbnormal: true, findingTags: ["effusion"], site: "north" });
    expect(jCase.reports.find((r) => r.source === "GROUND_TRUTH")!.text).toBe(
      "Findings: Heart size normal 1.\n\nImpression: No acute disease.",
    );
    expect(jCase.reports.find((r) => r.modelId === external.id)!.text).toBe(
      "Findings: External text 1.",
    );
    // No generation job exists for the external model: its reports came with the data.
    expect(await db().generationJob.count({ where: { modelId: external.id } })).toBe(0);

    // Once the demo model's reports exist, opening includes the external reports in reading.
    const demoModel = (
      await db().studyModel.findMany({ where: { studyId, modelId: { not: external.id } } })
    )[0]!;
    for (const c of await db().case.findMany({ where: { studyId } })) {
      await db().report.create({
        data: {
          caseId: c.id,
          source: "AI",
          modelId: demoModel.modelId,
          text: "Findings: Generated.",
        },
      });
    }
    await db().generationJob.updateMany({
      where: { case: { studyId } },
      data: { status: "SUCCEEDED" },
    });
    const opened = await openStudy(db(), studyId);
    // 2 cases x (ground truth + demo model + external model) for one reader.
    expect(opened.items).toBe(6);
  });

  it("imports a zip, and refuses zip slips, links and bombs", async () => {
    const cases = [await dicomCase("Z-1", {}, 1), await dicomCase("Z-2", {}, 2)];
    const studyId = await draftStudy();
    const zip = await zipDataset(cases);
    expect((await importInto(studyId, zip)).outcome).toMatchObject({
      status: "SUCCEEDED",
      imported: 2,
    });

    const slip = await zipDataset(cases, manifestCsv(cases), {
      "../../evil.txt": Buffer.from("x"),
    });
    const slipOutcome = (await importInto(await draftStudy(), slip)).outcome;
    expect(slipOutcome.status).toBe("FAILED");
    expect(slipOutcome.error).toMatch(/absolute path or "\.\."/);

    // A symbolic link (Unix mode 0120777 in the entry's external attributes) to /etc/passwd.
    const link = await zipDataset(cases, manifestCsv(cases), {
      "dataset/images/link.dcm": [Buffer.from("/etc/passwd"), { os: 3, attrs: 0o120777 << 16 }],
    });
    const linkOutcome = (await importInto(await draftStudy(), link)).outcome;
    expect(linkOutcome.status).toBe("FAILED");
    expect(linkOutcome.error).toMatch(/link or special file/);

    // 64 MB of zeros deflate to about 64 kB: a ratio of 1000:1.
    const bomb = await zipDataset(cases, manifestCsv(cases), {
      "dataset/zeros.bin": new Uint8Array(64 * 1024 * 1024),
    });
    const bombOutcome = (await importInto(await draftStudy(), bomb)).outcome;
    expect(bombOutcome.status).toBe("FAILED");
    expect(bombOutcome.error).toMatch(/zip bomb/);
    await Promise.all(
      [slip, link, bomb, zip].map((f) => rm(path.dirname(f), { recursive: true, force: true })),
    );
  });

  it("refuses an import into a study that is no longer a draft", async () => {
    const studyId = await draftStudy();
    await db().study.update({ where: { id: studyId }, data: { status: "OPEN" } });
    const dir = await writeDataset([await dicomCase("LATE")]);
    const outcome = await runImport({
      db: db(),
      studyId,
      dataset: await openDataset(dir),
      options: { skipInvalid: false, keepOriginals: false },
    });
    expect(outcome).toMatchObject({ status: "FAILED", error: expect.stringMatching(/draft/) });
  });
});

describe("POST /api/v1/studies/{id}/cases and the zip upload", () => {
  let token: string;
  let readerToken: string;
  beforeAll(async () => {
    const admin = await makeUser("ADMIN");
    const reader = await makeUser("READER");
    token = (await createApiToken(db(), { email: admin.email })).token;
    readerToken = (await createApiToken(db(), { email: reader.email })).token;
  });

  async function postCase(studyId: string, fields: Record<string, string | Blob>, auth = token) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === "string") form.append(k, v);
      else form.append(k, v, k);
    }
    return addCaseRoute(
      await multipartRequest(`http://127.0.0.1/api/v1/studies/${studyId}/cases`, form, {
        authorization: `Bearer ${auth}`,
      }),
      { params: Promise.resolve({ id: studyId }) },
    );
  }

  it("adds one case, answers unchanged on a repeat and 409 on changed content", async () => {
    const studyId = await draftStudy();
    const image = new Blob([new Uint8Array((await dicomCase("API-1")).bytes)]);
    const body = {
      case_id: "API-1",
      report: "Findings: Clear lungs. Impression: Normal.",
      label: "normal",
    };
    const first = await postCase(studyId, { case: JSON.stringify(body), "api-1.dcm": image });
    expect(first.status).toBe(201);
    const created = (await first.json()) as { status: string; caseId: string };
    expect(created.status).toBe("imported");
    expect(await db().case.findUniqueOrThrow({ where: { id: created.caseId } })).toMatchObject({
      externalId: "API-1",
      isAbnormal: false,
    });

    const again = await postCase(studyId, { case: JSON.stringify(body), "api-1.dcm": image });
    expect([again.status, ((await again.json()) as { status: string }).status]).toEqual([
      200,
      "unchanged",
    ]);
    const changed = await postCase(studyId, {
      case: JSON.stringify({ ...body, label: "abnormal" }),
      "api-1.dcm": image,
    });
    expect(changed.status).toBe(409);
    expect(await db().case.count({ where: { studyId } })).toBe(1);
  });

  it("answers 422 with the problems for a file that is not an image, 403 to a reader, 401 without a token", async () => {
    const studyId = await draftStudy();
    const fake = new Blob([new TextEncoder().encode("MZ not an image at all")]);
    const res = await postCase(studyId, {
      case: JSON.stringify({ case_id: "X", report: "Findings: x." }),
      "x.png": fake,
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { problems: { message: string }[] };
    expect(body.problems[0]!.message).toMatch(/not a DICOM, PNG or JPEG image/);
    expect((await postCase(studyId, { case: "{}", "x.png": fake }, readerToken)).status).toBe(403);
    // A body of undeclared length (chunked) is refused before it is read.
    const chunked = new FormData();
    chunked.append("case", "{}");
    const undeclared = await addCaseRoute(
      new Request(`http://127.0.0.1/api/v1/studies/${studyId}/cases`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: chunked,
      }),
      { params: Promise.resolve({ id: studyId }) },
    );
    expect(undeclared.status).toBe(411);
    expect((await postCase(studyId, { case: "{}", "x.png": fake }, "br_nope")).status).toBe(401);
  });

  it("starts a zip upload in the background and refuses a body that is not a zip", async () => {
    const studyId = await draftStudy();
    const zip = await zipDataset([await dicomCase("U-1", {}, 1), await dicomCase("U-2", {}, 2)]);
    const upload = (bytes: Buffer) =>
      uploadRoute(
        new Request(
          `http://127.0.0.1/api/admin/studies/${studyId}/imports?name=data.zip&skipInvalid=0`,
          {
            method: "POST",
            headers: { authorization: `Bearer ${token}` },
            body: new Uint8Array(bytes),
          },
        ),
        { params: Promise.resolve({ id: studyId }) },
      );
    const res = await upload(await readFile(zip));
    expect(res.status).toBe(202);
    const { importId } = (await res.json()) as { importId: string };
    let job = await db().importJob.findUniqueOrThrow({ where: { id: importId } });
    for (let i = 0; i < 100 && job.status !== "SUCCEEDED" && job.status !== "FAILED"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await db().importJob.findUniqueOrThrow({ where: { id: importId } });
    }
    expect(job).toMatchObject({
      status: "SUCCEEDED",
      imported: 2,
      origin: "upload",
      sourceName: "data.zip",
    });
    expect((await upload(Buffer.from("plain text, not a zip"))).status).toBe(415);
    await rm(path.dirname(zip), { recursive: true, force: true });
  });
});
