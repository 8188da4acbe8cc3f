import { Readable } from "node:stream";
import { problem, requireAdmin } from "@/server/auth/http";
import { getSessionUserId } from "@/server/auth/request";
import { getDb } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { exportStudy } from "@/server/exports/mutations";
import { exportFormatSchema } from "@/server/exports/schema";

export const dynamic = "force-dynamic";

/**
 * Streams a study's unblinded ratings (CSV, JSON Lines or the analysis bundle) to an admin:
 * an API token (machine clients) or a signed-in session (the admin pages).
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const admin = await requireAdmin(db, req, getSessionUserId);
  if (admin instanceof Response) return admin;
  const { user, viaToken } = admin;

  const format = exportFormatSchema.safeParse(new URL(req.url).searchParams.get("format") ?? "csv");
  if (!format.success) return problem(400, "format must be csv, jsonl or bundle");
  try {
    const result = await exportStudy(
      db,
      { studyId: id, format: format.data },
      { userId: user.id, actor: user.email, channel: viaToken ? "api" : "web" },
    );
    return new Response(Readable.toWeb(result.stream) as ReadableStream, {
      headers: {
        "Content-Type": result.contentType,
        "Content-Disposition": `attachment; filename="${result.filename}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return problem(404, error.message);
    throw error;
  }
}
