import { Readable } from "node:stream";
import { getActiveUser, resolveApiToken } from "@/server/auth/data";
import { getSessionUserId } from "@/server/auth/request";
import { getDb } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { exportStudy } from "@/server/exports/mutations";
import { exportFormatSchema } from "@/server/exports/schema";

export const dynamic = "force-dynamic";

const problem = (status: number, message: string) => Response.json({ message }, { status });

/**
 * Streams a study's unblinded ratings (CSV, JSON Lines or the analysis bundle) to an admin:
 * an API token (machine clients) or a signed-in session (the admin pages).
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const authorization = req.headers.get("authorization") ?? "";
  const viaToken = authorization.toLowerCase().startsWith("bearer ");
  const userId = viaToken
    ? await resolveApiToken(db, authorization.slice(7).trim())
    : await getSessionUserId();
  const user = userId ? await getActiveUser(db, userId) : null;
  if (!user) return problem(401, "Please sign in or send an API token");
  if (user.role !== "ADMIN") return problem(403, "Admins only");

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
