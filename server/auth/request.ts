import { getServerSession } from "next-auth";
import { getDb } from "../db/client";
import { authOptions } from "./options";
import type { SessionUser } from "./schema";
import { sessionUser } from "./users";

/**
 * The session's user, read once from the database: null without a session, and once the
 * user was signed out everywhere, deactivated or given another role after it was issued.
 */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = (await getServerSession(authOptions)) as { userId?: string; sv?: number } | null;
  if (!session?.userId) return null;
  return sessionUser(getDb(), session.userId, session.sv ?? 0);
}

/** The session's user id in a route handler, or null (see getSessionUser). */
export async function getSessionUserId(): Promise<string | null> {
  return (await getSessionUser())?.id ?? null;
}
