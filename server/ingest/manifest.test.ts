import { describe, expect, it } from "vitest";
import { parseManifest, safeRelativePath } from "./manifest";

const csv = (text: string) => parseManifest(Buffer.from(text), "csv");
const jsonl = (lines: unknown[]) =>
  parseManifest(Buffer.from(lines.map((l) => JSON.stringify(l)).join("\n")), "jsonl");

describe("manifests", () => {
  it("reads quoted multi-line CSV reports and reports problems by the line a row ends on", () => {
    const parsed = csv(
      'case_id,image,report\nA,a.png,"Findings: clear.\nImpression: normal."\nB,b.png,\n',
    );
    expect(parsed.rows.map((r) => [r.row, r.caseId, r.report])).toEqual([
      [3, "A", "Findings: clear.\nImpression: normal."],
    ]);
    expect(parsed.problems).toEqual([
      { row: 4, caseId: "B", message: expect.stringContaining("report is empty") },
    ]);
  });

  it("accepts a byte-order mark, Windows separators and labels in any case", () => {
    const parsed = csv(
      "\uFEFFcase_id,image,report,label,finding_tags\r\nA,img\\a.png,Findings: x.,Abnormal,effusion; nodule\r\n",
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]).toMatchObject({
      images: ["img/a.png"],
      isAbnormal: true,
      findingTags: ["effusion", "nodule"],
    });
  });

  it("refuses unknown JSON Lines fields and half-given AI reports", () => {
    const parsed = jsonl([
      { case_id: "A", image: "a.png", report: "x", patient: "Smith" },
      { case_id: "B", image: "b.png", report: "x", ai_report: "text", ai_model: "m" },
      {
        case_id: "C",
        image: "c.png",
        report: "x",
        ai_reports: [{ model: "m", version: "1", text: "t" }],
      },
    ]);
    expect(parsed.problems.map((p) => [p.row, p.message])).toEqual([
      [1, "unknown field(s) patient"],
      [2, expect.stringContaining("ai_report, ai_model and ai_model_version go together")],
    ]);
    expect(parsed.rows.map((r) => r.caseId)).toEqual(["C"]);
  });

  it("treats a manifest without rows as unusable", () => {
    expect(csv("case_id,image,report\n")).toMatchObject({ fatal: true, total: 0 });
  });

  it("keeps paths inside the dataset", () => {
    expect(safeRelativePath("a/../b.png")).toBe("b.png");
    expect(safeRelativePath("../b.png")).toBeNull();
    expect(safeRelativePath("/etc/passwd")).toBeNull();
    expect(safeRelativePath("C:\\x.png")).toBeNull();
  });
});
