import { Readable } from "node:stream";
import { requireAdmin } from "@/server/auth/http";
import { getSessionUserId } from "@/server/auth/request";
import { getDb } from "@/server/db/client";
import { getImageStore, NotFoundError } from "@/server/storage";

export const dynamic = "force-dynamic";

/** A case's image for admins (reviewing cases held for possible burned-in text). */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const admin = await requireAdmin(db, req, getSessionUserId);
  if (admin instanceof Response) return admin;
  const found = await db.case.findUnique({
    where: { id },
    select: { imagePath: true, thumbPath: true },
  });
  if (!found) return new Response("Not found", { status: 404 });
  const thumb = new URL(req.url).searchParams.get("size") === "thumb" && found.thumbPath;
  try {
    const stream = await getImageStore().get(thumb ? found.thumbPath! : found.imagePath);
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: {
        "Content-Type": thumb ? "image/jpeg" : "image/png",
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    if (error instanceof NotFoundError) return new Response("Image unavailable", { status: 404 });
    throw error;
  }
}
