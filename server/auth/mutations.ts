import { createHash, randomBytes } from "node:crypto";
import { lockedFor, recordFailure, recordSuccess, throttleKeys } from "./throttle";
import { recordAudit } from "../audit/record";
import type { DbClient } from "../db/client";
import { isUniqueViolation } from "../db/client";
import { AppError } from "../errors";
import { getDummyHash, hashPassword, verifyPassword } from "./password";
import {
  createUserInput,
  credentialsInput,
  type CreateUserInput,
  type SessionUser,
} from "./schema";

const userSelect = { id: true, email: true, name: true, role: true } as const;

export async function createUser(db: DbClient, input: CreateUserInput): Promise<SessionUser> {
  const data = createUserInput.parse(input);
  const passwordHash = await hashPassword(data.password);
  try {
    const user = await db.user.create({
      data: {
        email: data.email,
        name: data.name ?? data.email.split("@")[0] ?? data.email,
        role: data.role,
        passwordHash,
      },
      select: userSelect,
    });
    await recordAudit(db, {
      actor: "cli",
      action: "user.created",
      subjectType: "user",
      subjectId: user.id,
      details: { email: user.email, role: user.role },
    });
    return user;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", `A user with e-mail ${data.email} already exists`);
    }
    throw error;
  }
}

/**
 * Checks e-mail and password. Returns null on any failure, without saying which part
 * was wrong, and spends the same work either way.
 */
export async function authenticateWithPassword(
  db: DbClient,
  credentials: unknown,
): Promise<SessionUser | null> {
  const parsed = credentialsInput.safeParse(credentials);
  if (!parsed.success) return null;
  const user = await db.user.findUnique({
    where: { email: parsed.data.email },
    select: { ...userSelect, passwordHash: true, isActive: true },
  });
  const passwordHash = user?.passwordHash ?? (await getDummyHash());
  const isValid = await verifyPassword(passwordHash, parsed.data.password);
  if (!user || !user.isActive || !isValid) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** Tokens start with this, so leaked ones are recognisable (e.g. by secret scanners). */
export const TOKEN_PREFIX = "br_";

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates an API token for a user; the secret is returned once and only its hash is kept. */
export async function createApiToken(
  db: DbClient,
  input: { email: string; name?: string },
): Promise<{ id: string; token: string; prefix: string }> {
  const user = await db.user.findUnique({
    where: { email: input.email.trim().toLowerCase() },
    select: { id: true, isActive: true },
  });
  if (!user || !user.isActive) {
    throw new AppError("NOT_FOUND", `No active user with e-mail ${input.email}`);
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const prefix = token.slice(0, TOKEN_PREFIX.length + 8);
  const row = await db.apiToken.create({
    data: { userId: user.id, name: input.name ?? "cli", tokenHash: hashApiToken(token), prefix },
    select: { id: true },
  });
  await recordAudit(db, {
    actor: "cli",
    action: "token.created",
    subjectType: "api_token",
    subjectId: row.id,
    details: { userId: user.id, prefix },
  });
  return { id: row.id, token, prefix };
}

/** Revokes by the token itself, its id or its printed prefix. Returns how many were revoked. */
export async function revokeApiToken(db: DbClient, tokenOrId: string): Promise<number> {
  const where = {
    revokedAt: null,
    OR: [{ id: tokenOrId }, { prefix: tokenOrId }, { tokenHash: hashApiToken(tokenOrId) }],
  };
  const targets = await db.apiToken.findMany({ where, select: { id: true, prefix: true } });
  const result = await db.apiToken.updateMany({ where, data: { revokedAt: new Date() } });
  for (const t of targets) {
    await recordAudit(db, {
      actor: "cli",
      action: "token.revoked",
      subjectType: "api_token",
      subjectId: t.id,
      details: { prefix: t.prefix },
    });
  }
  return result.count;
}

export type SignInResult = { user: SessionUser } | { retryAfterSeconds: number } | null;

/**
 * Password sign-in with throttling per account and per client address: locked keys are
 * refused before any password is checked, failures count towards a lock, and a success
 * clears the account's count. A lock says nothing about whether the account exists.
 */
export async function signInWithPassword(
  db: DbClient,
  credentials: unknown,
  address: string | null,
): Promise<SignInResult> {
  const email = String((credentials as { email?: unknown } | null)?.email ?? "");
  const keys = throttleKeys(email, address);
  const wait = await lockedFor(db, keys);
  if (wait > 0) return { retryAfterSeconds: wait };
  const user = await authenticateWithPassword(db, credentials);
  if (!user) {
    await recordFailure(db, keys);
    return null;
  }
  await recordSuccess(db, email);
  return { user };
}
