import { rm } from "node:fs/promises";
import { problem, requireAdmin } from "@/server/auth/http";
import { getSessionUserId } from "@/server/auth/request";
import { getDb } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { createImportJob, executeImport } from "@/server/ingest/jobs";
import { webEnqueue } from "@/server/ingest/router";
import { ingestLimits, openFolder } from "@/server/ingest/source";
import { readCaseForm, writeSingleCaseDataset } from "@/server/ingest/upload";

export const dynamic = "force-dynamic";

const flag = (value: FormDataEntryValue | null) => value === "1" || value === "true";

/**
 * Adds one case for machine clients: multipart form data with a `case` field (JSON, the
 * fields of a JSON Lines manifest row) and the image file(s). Runs the same import as a
 * dataset of one row, synchronously, so the answer says what happened to the case.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const admin = await requireAdmin(db, req, getSessionUserId);
  if (admin instanceof Response) return admin;
  const parsed = await readCaseForm(req, ingestLimits());
  if (parsed instanceof Response) return parsed;
  const { form, fields: row, files } = parsed;
  if (row.image === undefined && row.images === undefined) row.images = files.map((f) => f.name);

  const dir = await writeSingleCaseDataset(row, files);
  try {
    const importId = await createImportJob(db, {
      studyId: id,
      userId: admin.user.id,
      origin: "api",
      sourceName: String(row.case_id ?? "case"),
      options: { skipInvalid: false, keepOriginals: flag(form.get("keepOriginals")) },
    });
    const outcome = await executeImport(db, importId, () => openFolder(dir), webEnqueue(db));
    if (outcome.status === "SUCCEEDED") {
      if (outcome.unchanged === 1)
        return Response.json({ status: "unchanged", importId }, { status: 200 });
      return Response.json(
        { status: outcome.held ? "held" : "imported", caseId: outcome.caseIds[0], importId },
        { status: 201 },
      );
    }
    const conflict = outcome.problems.some((p) =>
      p.message.includes("already exists in this study"),
    );
    return problem(conflict ? 409 : 422, outcome.error ?? "The case was not imported", {
      problems: outcome.problems.map(({ caseId, message }) => ({ caseId, message })),
    });
  } catch (error) {
    if (error instanceof AppError)
      return problem(error.code === "NOT_FOUND" ? 404 : 409, error.message);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
