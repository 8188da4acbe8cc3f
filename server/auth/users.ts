import { z } from "zod";
import { recordAudit } from "../audit/record";
import type { DbClient } from "../db/client";
import { AppError } from "../errors";
import { roleSchema, type SessionUser } from "./schema";

export const userIdInput = z.object({ userId: z.string().min(1).max(64) });
export const setActiveInput = userIdInput.extend({ active: z.boolean() });
export const setRoleInput = userIdInput.extend({ role: roleSchema });

export const userRowSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  isActive: z.boolean(),
  createdAt: z.string(),
});

export async function listUsers(db: DbClient) {
  const users = await db.user.findMany({
    orderBy: { email: "asc" },
    select: { id: true, email: true, name: true, role: true, isActive: true, createdAt: true },
  });
  return users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }));
}

/**
 * The user of a session issued under `version`, if it still counts: the user is active and
 * has not been signed out everywhere (or deactivated, or given another role) since.
 */
export async function sessionUser(
  db: DbClient,
  userId: string,
  version: number,
): Promise<SessionUser | null> {
  return db.user.findFirst({
    where: { id: userId, isActive: true, sessionVersion: version },
    select: { id: true, email: true, name: true, role: true },
  });
}

export async function isSessionCurrent(db: DbClient, userId: string, version: number) {
  return (await sessionUser(db, userId, version)) !== null;
}

/** Ends every session of a user at once (their next request finds itself signed out). */
export async function signOutEverywhere(db: DbClient, userId: string, actor: string) {
  const updated = await db.user.updateMany({
    where: { id: userId },
    data: { sessionVersion: { increment: 1 } },
  });
  if (updated.count === 0) throw new AppError("NOT_FOUND", "User not found");
  await recordAudit(db, {
    actor,
    action: "user.signed_out_everywhere",
    subjectType: "user",
    subjectId: userId,
  });
  return { signedOut: true as const };
}

export async function setUserActive(db: DbClient, input: unknown, actor: string) {
  const { userId, active } = setActiveInput.parse(input);
  if (userId === actor && !active)
    throw new AppError("BAD_REQUEST", "You cannot deactivate yourself");
  const updated = await db.user.updateMany({
    where: { id: userId },
    // Deactivation ends the user's sessions too; API tokens stop working on the next request.
    data: { isActive: active, ...(active ? {} : { sessionVersion: { increment: 1 } }) },
  });
  if (updated.count === 0) throw new AppError("NOT_FOUND", "User not found");
  await recordAudit(db, {
    actor,
    action: active ? "user.reactivated" : "user.deactivated",
    subjectType: "user",
    subjectId: userId,
  });
  return { updated: true as const };
}

export async function setUserRole(db: DbClient, input: unknown, actor: string) {
  const { userId, role } = setRoleInput.parse(input);
  if (userId === actor) throw new AppError("BAD_REQUEST", "You cannot change your own role");
  const before = await db.user.findUnique({ where: { id: userId }, select: { role: true } });
  if (!before) throw new AppError("NOT_FOUND", "User not found");
  await db.user.update({
    where: { id: userId },
    data: { role, sessionVersion: { increment: 1 } },
  });
  await recordAudit(db, {
    actor,
    action: "user.role_changed",
    subjectType: "user",
    subjectId: userId,
    details: { from: before.role, to: role },
  });
  return { updated: true as const };
}
