import type { DbClient } from "../db/client";
import { hashApiToken, TOKEN_PREFIX } from "./mutations";
import type { SessionUser } from "./schema";

/** The user behind a session or token, re-read from the database on every request. */
export async function getActiveUser(db: DbClient, userId: string): Promise<SessionUser | null> {
  return db.user.findFirst({
    where: { id: userId, isActive: true },
    select: { id: true, email: true, name: true, role: true },
  });
}

/** The token's user id, or null if the token is unknown or revoked. Records its use. */
export async function resolveApiToken(db: DbClient, token: string): Promise<string | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, userId: true, revokedAt: true },
  });
  if (!row || row.revokedAt) return null;
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return row.userId;
}
