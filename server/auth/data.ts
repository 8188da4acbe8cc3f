import type { DbClient } from "../db/client";
import { recordAudit } from "../audit/record";
import { hashApiToken, TOKEN_PREFIX } from "./mutations";
import type { SessionUser } from "./schema";

/** The user behind a session or token, re-read from the database on every request. */
export async function getActiveUser(db: DbClient, userId: string): Promise<SessionUser | null> {
  return db.user.findFirst({
    where: { id: userId, isActive: true },
    select: { id: true, email: true, name: true, role: true },
  });
}

export const TOKEN_USE_GRANULARITY_MS = 60_000;

/** The token's user id, or null if the token is unknown or revoked. Records its use. */
export async function resolveApiToken(db: DbClient, token: string): Promise<string | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, userId: true, revokedAt: true, lastUsedAt: true, prefix: true },
  });
  if (!row || row.revokedAt) return null;
  // Use is recorded (and audited) at most once a minute per token, not on every request.
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOKEN_USE_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    await recordAudit(db, {
      actor: row.userId,
      action: "token.used",
      subjectType: "api_token",
      subjectId: row.id,
      details: { prefix: row.prefix },
    });
  }
  return row.userId;
}
