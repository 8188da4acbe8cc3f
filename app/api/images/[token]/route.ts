import { Readable } from "node:stream";
import { resolveApiToken } from "@/server/auth/data";
import { getSessionUserId } from "@/server/auth/request";
import { getDb } from "@/server/db/client";
import { getItemImagePath } from "@/server/reading/data";
import { getImageStore, NotFoundError } from "@/server/storage";

export const dynamic = "force-dynamic";

/**
 * An item's image, for the reader it is assigned to (signed in, or with an API token for REST
 * reading clients), streamed from the image store: the display PNG, or with ?depth=16 the
 * 16-bit PNG. Headers are the same for every item (no ETag, no Last-Modified, no length) so
 * nothing but the pixels differs between them.
 */
export async function GET(req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const authorization = req.headers.get("authorization") ?? "";
  const userId = authorization.toLowerCase().startsWith("bearer ")
    ? await resolveApiToken(getDb(), authorization.slice(7).trim())
    : await getSessionUserId();
  if (!userId) return new Response("Please sign in", { status: 401 });
  const depth = new URL(req.url).searchParams.get("depth") === "16" ? 16 : 8;
  const imagePath = await getItemImagePath(getDb(), userId, token, depth);
  if (!imagePath) return new Response("Not found", { status: 404 });
  try {
    const stream = await getImageStore().get(imagePath);
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: { "Content-Type": "image/png", "Cache-Control": "private, max-age=3600" },
    });
  } catch (error) {
    if (error instanceof NotFoundError) return new Response("Image unavailable", { status: 404 });
    throw error;
  }
}
