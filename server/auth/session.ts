import { getDb } from "../db/client";
import { getActiveUser } from "./data";
import { getSessionUserId } from "./request";
import type { SessionUser } from "./schema";

/** The signed-in user for server components and route handlers, checked against the database. */
export async function getSessionUser(): Promise<SessionUser | null> {
  const userId = await getSessionUserId();
  return userId ? getActiveUser(getDb(), userId) : null;
}
