import { getServerSession } from "next-auth";
import { getDb } from "../db/client";
import { authOptions } from "./options";
import { isSessionCurrent } from "./users";

/**
 * The session's user id in a route handler, or null: also null once the user was signed out
 * everywhere, deactivated or given another role after the session was issued.
 */
export async function getSessionUserId(): Promise<string | null> {
  const session = (await getServerSession(authOptions)) as { userId?: string; sv?: number } | null;
  if (!session?.userId) return null;
  return (await isSessionCurrent(getDb(), session.userId, session.sv ?? 0)) ? session.userId : null;
}
