import { problem, requireAdmin } from "@/server/auth/http";
import { getSessionUserId } from "@/server/auth/request";
import { intakeAuditCase } from "@/server/audits/intake";
import { getDb } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { webEnqueue } from "@/server/ingest/router";
import { ingestLimits } from "@/server/ingest/source";
import { readCaseForm } from "@/server/ingest/upload";

export const dynamic = "force-dynamic";

/**
 * Takes one new case into an audit: multipart form data with a `case` field (JSON:
 * accession, report, ai_report or generate, flagged, site, modality, reported_at) and the
 * image (DICOM, PNG or JPEG). The answer says whether it was sampled for review.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const admin = await requireAdmin(db, req, getSessionUserId);
  if (admin instanceof Response) return admin;
  const parsed = await readCaseForm(req, ingestLimits());
  if (parsed instanceof Response) return parsed;
  try {
    const result = await intakeAuditCase(db, {
      programId: id,
      userId: admin.user.id,
      fields: parsed.fields,
      files: parsed.files,
      enqueue: webEnqueue(db),
    });
    if (result.status === "invalid" || result.status === "conflict") {
      const { message, problems } = result;
      return problem(result.status === "conflict" ? 409 : 422, message, { problems });
    }
    return Response.json(result, { status: result.status === "unchanged" ? 200 : 201 });
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return problem(404, error.message);
    throw error;
  }
}
