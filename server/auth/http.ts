import type { Db } from "../db/client";
import { getActiveUser, resolveApiToken } from "./data";
import type { SessionUser } from "./schema";

export const problem = (status: number, message: string, extra: Record<string, unknown> = {}) =>
  Response.json({ message, ...extra }, { status });

/**
 * The admin behind a route handler's request: an API token (machine clients) or the
 * signed-in session (the admin pages). Returns a ready 401/403 response otherwise.
 */
export async function requireAdmin(
  db: Db,
  req: Request,
  getSessionUserId: () => Promise<string | null>,
): Promise<{ user: SessionUser; viaToken: boolean } | Response> {
  const authorization = req.headers.get("authorization") ?? "";
  const viaToken = authorization.toLowerCase().startsWith("bearer ");
  const userId = viaToken
    ? await resolveApiToken(db, authorization.slice(7).trim())
    : await getSessionUserId();
  const user = userId ? await getActiveUser(db, userId) : null;
  if (!user) return problem(401, "Please sign in or send an API token");
  if (user.role !== "ADMIN") return problem(403, "Admins only");
  return { user, viaToken };
}
