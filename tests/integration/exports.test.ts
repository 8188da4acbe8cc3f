import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { text } from "node:stream/consumers";
import { promisify } from "node:util";
import { unzipSync, strFromU8 } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as exportRoute } from "@/app/api/v1/studies/[id]/export/route";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { createApiToken } from "@/server/auth/mutations";
import { exportStudy } from "@/server/exports/mutations";
import { RATING_COLUMNS } from "@/server/exports/schema";
import { db, makeUser, openedStudy, readAll } from "./helpers";

const exec = promisify(execFile);

/** Minimal RFC 4180 parser for the test's own check (fields here hold no newlines). */
function parseCsv(csv: string): string[][] {
  return csv
    .trim()
    .split("\n")
    .map((line) => {
      const out: string[] = [];
      let field = "";
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') {
            field += '"';
            i++;
          } else if (ch === '"') quoted = false;
          else field += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ",") {
          out.push(field);
          field = "";
        } else field += ch;
      }
      out.push(field);
      return out;
    });
}

describe("unblinded exports", () => {
  let study: Awaited<ReturnType<typeof openedStudy>>;
  let admin: Awaited<ReturnType<typeof makeUser>>;
  // The rating plan: reader 1 rates ground truth A and AI C; reader 2 rates ground truth B
  // and AI D, with a comment on every AI report. Expected rows follow from it.
  const plan = [
    { GROUND_TRUTH: "A", AI: "C" },
    { GROUND_TRUTH: "B", AI: "D" },
  ] as const;

  /** Plan index by pseudonym: R1, R2 follow the order readers joined the study. */
  const planOf = new Map<string, 0 | 1>();

  beforeAll(async () => {
    study = await openedStudy(2, 3);
    admin = await makeUser("ADMIN");
    const joined = await db().studyReader.findMany({
      where: { studyId: study.studyId },
      orderBy: { id: "asc" },
      select: { userId: true },
    });
    for (const [index, reader] of study.readers.entries()) {
      planOf.set(`R${joined.findIndex((j) => j.userId === reader.id) + 1}`, index as 0 | 1);
      const { items } = await readAll(reader.id);
      const rows = await db().readingItem.findMany({
        where: { token: { in: items.map((i) => i.itemToken) } },
        select: { token: true, report: { select: { source: true } } },
      });
      const sourceOf = new Map(rows.map((r) => [r.token, r.report.source]));
      for (const item of items) {
        const source = sourceOf.get(item.itemToken)!;
        await createCaller(createInnerContext({ userId: reader.id })).reading.rate({
          itemToken: item.itemToken,
          level: plan[index]![source],
        });
      }
    }
    await db().rating.updateMany({
      where: { item: { studyId: study.studyId, report: { source: "AI" } } },
      data: { comment: 'misses the "effusion", badly', flags: ["omission", "wrong_side"] },
    });
  });

  it("streams every rating as CSV in long format, with the documented columns", async () => {
    const result = await exportStudy(
      db(),
      { studyId: study.studyId, format: "csv" },
      { userId: admin.id, actor: admin.email, channel: "web" },
    );
    expect(result.contentType).toContain("text/csv");
    const [header, ...rows] = parseCsv(await text(result.stream));
    expect(header).toEqual(RATING_COLUMNS.map(([name]) => name));
    expect(rows).toHaveLength(12); // 2 readers x 3 cases x 2 sources
    const col = (name: string) => header!.indexOf(name);
    for (const row of rows) {
      const reader = row[col("reader")]!;
      const source = row[col("source")] === "ground_truth" ? "GROUND_TRUTH" : "AI";
      const expected = plan[planOf.get(reader)!]![source];
      expect(row[col("rating")]).toBe(expected);
      expect(row[col("success")]).toBe(expected === "A" || expected === "B" ? "1" : "0");
      expect(row[col("stringent_success")]).toBe(expected === "A" ? "1" : "0");
      expect(row[col("model_name")]).toBe(source === "AI" ? "blindread-demo-cxr" : "");
      if (source === "AI") {
        expect(row[col("comment")]).toBe('misses the "effusion", badly');
        expect(row[col("flags")]).toBe("omission;wrong_side");
      }
      expect(row[col("rated_at")]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(new Set(rows.map((r) => r[col("reader")]))).toEqual(new Set(["R1", "R2"]));
  });

  it("streams the same rows as JSON Lines with typed values", async () => {
    const result = await exportStudy(
      db(),
      { studyId: study.studyId, format: "jsonl" },
      { userId: admin.id, actor: admin.email, channel: "web" },
    );
    const lines = (await text(result.stream))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(12);
    expect(Object.keys(lines[0])).toEqual(RATING_COLUMNS.map(([name]) => name));
    const firstPlan = [...planOf.entries()].find(([, index]) => index === 0)![0];
    const groundTruth = lines.filter((l) => l.reader === firstPlan && l.source === "ground_truth");
    expect(groundTruth.map((l) => [l.rating, l.success, l.stringent_success])).toEqual([
      ["A", 1, 1],
      ["A", 1, 1],
      ["A", 1, 1],
    ]);
    expect(lines.every((l) => typeof l.position === "number")).toBe(true);
  });

  it("bundles ratings, cases, reports, protocol, results and a README, with checksums that match", async () => {
    const result = await exportStudy(
      db(),
      { studyId: study.studyId, format: "bundle" },
      { userId: admin.id, actor: admin.email, channel: "web" },
    );
    const zip = unzipSync(new Uint8Array(Buffer.concat(await result.stream.toArray())));
    expect(Object.keys(zip).sort()).toEqual([
      "README.md",
      "SHA256SUMS",
      "cases.csv",
      "protocol.json",
      "ratings.csv",
      "reports.csv",
      "results.json",
    ]);
    const sums = strFromU8(zip["SHA256SUMS"]!).trim().split("\n");
    expect(sums).toHaveLength(6);
    for (const line of sums) {
      const [sum, name] = line.split("  ");
      expect(createHash("sha256").update(zip[name!]!).digest("hex")).toBe(sum);
    }
    expect(parseCsv(strFromU8(zip["ratings.csv"]!))).toHaveLength(13);
    expect(parseCsv(strFromU8(zip["cases.csv"]!))).toHaveLength(4);
    const protocol = JSON.parse(strFromU8(zip["protocol.json"]!));
    const studyRow = await db().study.findUniqueOrThrow({ where: { id: study.studyId } });
    expect(protocol.seeds.assignment).toBe(studyRow.seed);
    expect(protocol.seeds.readers.map((r: { reader: string }) => r.reader)).toEqual(["R1", "R2"]);
    expect(protocol.scale.success).toEqual(["A", "B"]);
    const results = JSON.parse(strFromU8(zip["results.json"]!));
    expect(results.totalRatings).toBe(12);
    const readme = strFromU8(zip["README.md"]!);
    for (const [name] of RATING_COLUMNS) expect(readme).toContain(`\`${name}\``);
  });

  it("records every export with who, how and when", async () => {
    const records = await db().exportRecord.findMany({ where: { studyId: study.studyId } });
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(
      records.every((r) => r.actor === admin.email && r.userId === admin.id && r.channel === "web"),
    ).toBe(true);
  });

  it("serves exports over REST to admins only, and refuses bad formats", async () => {
    const reader = study.readers[0]!;
    const adminToken = (await createApiToken(db(), { email: admin.email })).token;
    const readerToken = (await createApiToken(db(), { email: reader.email })).token;
    const call = (token: string | null, format: string, id = study.studyId) =>
      exportRoute(
        new Request(`http://127.0.0.1/api/v1/studies/${id}/export?format=${format}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
        { params: Promise.resolve({ id }) },
      );
    const ok = await call(adminToken, "jsonl");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-disposition")).toMatch(
      /attachment; filename="blindread-.*\.jsonl"/,
    );
    expect((await ok.text()).trim().split("\n")).toHaveLength(12);
    expect((await call(readerToken, "csv")).status).toBe(403);
    expect((await call("br_not-a-token", "csv")).status).toBe(401);
    expect((await call(adminToken, "xlsx")).status).toBe(400);
    expect((await call(adminToken, "csv", "no-such-study")).status).toBe(404);
    const apiRecords = await db().exportRecord.count({
      where: { studyId: study.studyId, channel: "api" },
    });
    expect(apiRecords).toBe(1);
  });

  it("exports from the command line, recorded as such", async () => {
    const { stdout } = await exec(
      "node",
      ["bin/blindread.mjs", "export", study.studyId, "--format", "csv"],
      {
        env: { ...process.env },
      },
    );
    expect(stdout.split("\n")[0]).toBe(RATING_COLUMNS.map(([name]) => name).join(","));
    expect(stdout.trim().split("\n")).toHaveLength(13);
    const cli = await db().exportRecord.findFirstOrThrow({
      where: { studyId: study.studyId, channel: "cli" },
    });
    expect(cli.userId).toBeNull();
    expect(cli.actor).toMatch(/^cli:/);
  });
});
