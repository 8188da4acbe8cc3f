import { getServerSession } from "next-auth";
import { authOptions } from "./options";

/** The session's user id in a route handler, or null. */
export async function getSessionUserId(): Promise<string | null> {
  const session = (await getServerSession(authOptions)) as { userId?: string } | null;
  return session?.userId ?? null;
}
