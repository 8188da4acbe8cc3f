import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import type { Db } from "../db/client";
import { importRoot } from "../env";
import type { Problem } from "./manifest";
import type {
  heldCaseSchema,
  importDetailSchema,
  importSourceSchema,
  importSummarySchema,
} from "./schema";

/** An unfinished import whose row has not moved for this long lost its process. */
export const STALE_IMPORT_MS = 5 * 60_000;

const INTERRUPTED =
  "The import was interrupted (the server stopped) before it finished; nothing was imported. Start it again.";

const summarySelect = {
  id: true,
  status: true,
  origin: true,
  sourceName: true,
  skipInvalid: true,
  keepOriginals: true,
  total: true,
  processed: true,
  imported: true,
  unchanged: true,
  held: true,
  skippedRows: true,
  problems: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const;

type Row = Awaited<ReturnType<typeof loadRows>>[number];

function loadRows(db: Db, where: { studyId?: string; id?: string }) {
  return db.importJob.findMany({
    where,
    orderBy: { createdAt: "desc" },
    take: 50,
    select: summarySelect,
  });
}

function summarize(row: Row): z.infer<typeof importDetailSchema> {
  const finished = row.status === "SUCCEEDED" || row.status === "FAILED";
  const stale = !finished && Date.now() - row.updatedAt.getTime() > STALE_IMPORT_MS;
  const end = row.finishedAt ?? new Date();
  const seconds = row.startedAt ? (end.getTime() - row.startedAt.getTime()) / 1000 : 0;
  const problems = (row.problems as unknown as Problem[]) ?? [];
  return {
    id: row.id,
    status: stale ? "FAILED" : row.status,
    origin: row.origin,
    sourceName: row.sourceName,
    skipInvalid: row.skipInvalid,
    keepOriginals: row.keepOriginals,
    total: row.total,
    processed: row.processed,
    imported: row.imported,
    unchanged: row.unchanged,
    held: row.held,
    skippedRows: row.skippedRows,
    problemCount: problems.length,
    problems,
    error: stale ? INTERRUPTED : row.error,
    perSecond: seconds > 0.5 && row.processed > 0 ? row.processed / seconds : null,
    createdBy: row.createdBy?.name ?? null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export async function listImports(
  db: Db,
  studyId: string,
): Promise<z.infer<typeof importSummarySchema>[]> {
  return (await loadRows(db, { studyId })).map((row) => {
    const { problems: _problems, ...summary } = summarize(row);
    return summary;
  });
}

export async function getImport(
  db: Db,
  id: string,
): Promise<z.infer<typeof importDetailSchema> | null> {
  const [row] = await loadRows(db, { id });
  return row ? summarize(row) : null;
}

export async function listHeldCases(
  db: Db,
  studyId: string,
): Promise<z.infer<typeof heldCaseSchema>[]> {
  const rows = await db.case.findMany({
    where: { studyId, heldReason: { not: null } },
    orderBy: { externalId: "asc" },
    select: { id: true, externalId: true, heldReason: true },
  });
  return rows.map((c) => ({
    id: c.id,
    externalId: c.externalId,
    reason: c.heldReason!,
    thumbnailUrl: `/api/admin/cases/${c.id}/image?size=thumb`,
    imageUrl: `/api/admin/cases/${c.id}/image`,
  }));
}

/** Folders and zips directly inside the import root, which admins may import from. */
export async function listImportSources(): Promise<z.infer<typeof importSourceSchema>[]> {
  const root = importRoot();
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: z.infer<typeof importSourceSchema>[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) out.push({ name: entry.name, kind: "folder", bytes: null });
    else if (entry.isFile() && entry.name.toLowerCase().endsWith(".zip")) {
      out.push({
        name: entry.name,
        kind: "zip",
        bytes: (await stat(path.join(root, entry.name))).size,
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
