import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { modelNameSchema } from "../models/schema";

export const MANIFEST_NAMES = ["manifest.csv", "manifest.jsonl"] as const;

/** The manifest's columns (CSV header names, JSON Lines keys), documented in the README. */
export const MANIFEST_COLUMNS = [
  "case_id",
  "image",
  "images",
  "report",
  "findings",
  "impression",
  "label",
  "finding_tags",
  "site",
  "ai_report",
  "ai_model",
  "ai_model_version",
  "ai_reports",
] as const;

/** One problem found in a dataset; row is the manifest's line number (null for the whole file). */
export interface Problem {
  row: number | null;
  caseId: string | null;
  message: string;
}

export interface ExternalReport {
  model: string;
  version: string;
  text: string;
}

export interface ManifestRow {
  row: number;
  caseId: string;
  /** Paths relative to the manifest's folder, slash-separated; the first is read. */
  images: string[];
  report: string;
  isAbnormal: boolean | null;
  findingTags: string[];
  site: string | null;
  aiReports: ExternalReport[];
}

const LABELS: Record<string, boolean> = {
  normal: false,
  abnormal: true,
  "0": false,
  "1": true,
  false: false,
  true: true,
  no: false,
  yes: true,
};

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `longer than ${max} characters` });
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(/[;|]/)).map((s) => s.trim()).filter((s) => s.length > 0),
  );

const externalReport = z.object({
  model: modelNameSchema,
  version: z.string().trim().min(1, { message: "the AI model's version is empty" }).max(50),
  text: z.string().trim().min(1, { message: "the AI report is empty" }).max(100_000),
});

const rowSchema = z
  .object({
    case_id: text(200).pipe(z.string().min(1, { message: "case_id is empty" })),
    image: z.string().optional(),
    images: list.optional(),
    report: text(100_000).optional(),
    findings: text(100_000).optional(),
    impression: text(100_000).optional(),
    label: z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v === "" || v in LABELS, { message: "label must be normal or abnormal" })
      .optional(),
    finding_tags: list.pipe(z.array(text(100))).optional(),
    site: text(200).optional(),
    ai_report: z.string().optional(),
    ai_model: z.string().optional(),
    ai_model_version: z.string().optional(),
    ai_reports: z.array(externalReport).optional(),
  })
  .strict();

type RawRow = z.infer<typeof rowSchema>;

/** Relative, inside the dataset, slash-separated; backslashes from Windows tools are accepted. */
export function safeRelativePath(value: string): string | null {
  const slashed = value.trim().replace(/\\/g, "/");
  if (!slashed || slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) return null;
  const normalized = path.posix.normalize(slashed);
  if (normalized.startsWith("../") || normalized === ".." || normalized.includes("/../"))
    return null;
  return normalized.replace(/^\.\//, "");
}

function toRow(raw: RawRow, row: number): { row?: ManifestRow; problems: string[] } {
  const problems: string[] = [];
  const imageValues = [...(raw.image ? raw.image.split(/[;|]/) : []), ...(raw.images ?? [])]
    .map((s) => s.trim())
    .filter(Boolean);
  const images: string[] = [];
  for (const value of imageValues) {
    const safe = safeRelativePath(value);
    if (!safe)
      problems.push(`image path "${value}" must be relative to the manifest, without ".."`);
    else images.push(safe);
  }
  if (imageValues.length === 0) problems.push("no image given (column image)");

  const findings = raw.findings ?? "";
  const impression = raw.impression ?? "";
  let report = raw.report ?? "";
  if (report && (findings || impression)) {
    problems.push("give either report or findings/impression, not both");
  } else if (!report && (findings || impression)) {
    report = [findings && `Findings: ${findings}`, impression && `Impression: ${impression}`]
      .filter(Boolean)
      .join("\n\n");
  }
  if (!report)
    problems.push("the ground-truth report is empty (column report, or findings and impression)");

  const aiReports = [...(raw.ai_reports ?? [])];
  const single = [raw.ai_report, raw.ai_model, raw.ai_model_version].map((v) => v?.trim() ?? "");
  if (single.some(Boolean)) {
    const parsed = externalReport.safeParse({
      text: single[0],
      model: single[1],
      version: single[2],
    });
    if (parsed.success) aiReports.push(parsed.data);
    else
      problems.push(
        `ai_report, ai_model and ai_model_version go together: ${parsed.error.issues
          .map((i) => `${i.path.join(".")} ${i.message}`)
          .join("; ")}`,
      );
  }
  const models = aiReports.map((r) => `${r.model} ${r.version}`);
  if (new Set(models).size !== models.length)
    problems.push("two AI reports of the same model version");

  if (problems.length > 0) return { problems };
  return {
    problems,
    row: {
      row,
      caseId: raw.case_id,
      images,
      report,
      isAbnormal: raw.label ? (LABELS[raw.label] ?? null) : null,
      findingTags: raw.finding_tags ?? [],
      site: raw.site || null,
      aiReports,
    },
  };
}

/** Line numbers (from 1) whose bytes are not valid UTF-8. */
function badUtf8Lines(bytes: Buffer): Set<number> {
  const bad = new Set<number>();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        bad.add(line);
      }
      start = i + 1;
      line++;
    }
  }
  return bad;
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.join(", ")}`;
    const field = issue.path.join(".");
    return field ? `${field}: ${issue.message}` : issue.message;
  });
}

export interface ParsedManifest {
  rows: ManifestRow[];
  problems: Problem[];
  /** Rows found, valid or not. */
  total: number;
  /** The file as a whole is unusable (unreadable CSV, unknown columns, no rows): no row can be imported. */
  fatal: boolean;
}

/**
 * Reads a whole manifest and reports every problem with its line: bad encodings, unknown
 * columns, duplicate case ids, empty reports, malformed values. Nothing is imported from it
 * here; the importer decides.
 */
export function parseManifest(bytes: Buffer, format: "csv" | "jsonl"): ParsedManifest {
  const problems: Problem[] = [];
  const badLines = badUtf8Lines(bytes);
  const content = new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "");
  const records: { line: number; firstLine: number; value: unknown }[] = [];

  if (format === "jsonl") {
    content.split("\n").forEach((lineText, index) => {
      const line = index + 1;
      if (!lineText.trim()) return;
      try {
        records.push({ line, firstLine: line, value: JSON.parse(lineText) });
      } catch {
        problems.push({ row: line, caseId: null, message: "not valid JSON" });
        records.push({ line, firstLine: line, value: null });
      }
    });
  } else {
    let parsed: { record: string[]; info: { lines: number } }[];
    try {
      parsed = parseCsv(content, {
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        bom: true,
      }) as unknown as { record: string[]; info: { lines: number } }[];
    } catch (error) {
      const line = (error as { lines?: number }).lines ?? null;
      return {
        rows: [],
        total: 0,
        fatal: true,
        problems: [
          {
            row: line,
            caseId: null,
            message: `the CSV cannot be parsed: ${(error as Error).message.replace(/^[A-Z_]+: /, "")}`,
          },
        ],
      };
    }
    const header = parsed.shift();
    if (!header) {
      return {
        rows: [],
        total: 0,
        fatal: true,
        problems: [{ row: null, caseId: null, message: "the manifest is empty" }],
      };
    }
    const columns = header.record.map((c) => c.trim().toLowerCase());
    const unknown = columns.filter((c) => !(MANIFEST_COLUMNS as readonly string[]).includes(c));
    if (unknown.length > 0) {
      problems.push({
        row: 1,
        caseId: null,
        message: `unknown column(s) ${unknown.join(", ")}; the columns are ${MANIFEST_COLUMNS.filter((c) => c !== "ai_reports" && c !== "images").join(", ")}`,
      });
      return { rows: [], total: parsed.length, problems, fatal: true };
    }
    if (!columns.includes("case_id")) {
      problems.push({ row: 1, caseId: null, message: "the header has no case_id column" });
      return { rows: [], total: parsed.length, problems, fatal: true };
    }
    let previousEnd = header.info.lines;
    for (const { record, info } of parsed) {
      const value: Record<string, string> = {};
      if (record.length !== columns.length) {
        problems.push({
          row: info.lines,
          caseId: record[columns.indexOf("case_id")] ?? null,
          message: `${record.length} values where the header has ${columns.length} columns`,
        });
        records.push({ line: info.lines, firstLine: previousEnd + 1, value: null });
      } else {
        columns.forEach((column, i) => {
          if (record[i] !== "") value[column] = record[i]!;
        });
        records.push({ line: info.lines, firstLine: previousEnd + 1, value });
      }
      previousEnd = info.lines;
    }
  }

  const rows: ManifestRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, firstLine, value } of records) {
    if (value === null) continue;
    const caseId =
      typeof value === "object" && value && "case_id" in value ? String(value.case_id) : null;
    const rowProblems: string[] = [];
    for (let l = firstLine; l <= line; l++) {
      if (badLines.has(l)) {
        rowProblems.push(`line ${l} is not valid UTF-8; save the manifest as UTF-8`);
        break;
      }
    }
    const trimmedId = caseId?.trim();
    if (trimmedId) {
      const earlier = seen.get(trimmedId);
      if (earlier !== undefined)
        rowProblems.push(`case id ${trimmedId} is already used on line ${earlier}`);
      else seen.set(trimmedId, line);
    }
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
      rowProblems.push(...describeIssues(parsed.error));
    } else {
      const result = toRow(parsed.data, line);
      rowProblems.push(...result.problems);
      if (result.row && rowProblems.length === 0) rows.push(result.row);
    }
    for (const message of rowProblems) problems.push({ row: line, caseId, message });
  }
  if (records.length === 0) {
    problems.push({ row: null, caseId: null, message: "the manifest has no rows" });
    return { rows, problems, total: 0, fatal: true };
  }
  return { rows, problems, total: records.length, fatal: false };
}
