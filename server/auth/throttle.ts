import type { DbClient } from "../db/client";

/** Failures allowed before a key is locked. */
export const FREE_FAILURES = 5;
const BASE_LOCK_MS = 30_000;
const MAX_LOCK_MS = 60 * 60_000;
/** Failures older than this are forgotten. */
const WINDOW_MS = 60 * 60_000;

export function throttleKeys(email: string, address: string | null): string[] {
  const keys = [`account:${email.trim().toLowerCase()}`];
  if (address) keys.push(`address:${address}`);
  return keys;
}

/** Seconds until the longest lock among the keys ends, or 0 when none is locked. */
export async function lockedFor(db: DbClient, keys: string[], now = new Date()): Promise<number> {
  const rows = await db.signInThrottle.findMany({
    where: { key: { in: keys }, lockedUntil: { gt: now } },
    select: { lockedUntil: true },
  });
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil!.getTime()));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/**
 * Counts a failure on every key; from the sixth failure within the hour a key is locked for
 * 30 s, then 60 s, 120 s and so on, up to an hour.
 */
export async function recordFailure(db: DbClient, keys: string[], now = new Date()): Promise<void> {
  for (const key of keys) {
    const row = await db.signInThrottle.findUnique({ where: { key } });
    const recent = row?.lastFailureAt && now.getTime() - row.lastFailureAt.getTime() < WINDOW_MS;
    const failures = (recent ? row.failures : 0) + 1;
    const over = failures - FREE_FAILURES;
    const lockedUntil =
      over > 0
        ? new Date(now.getTime() + Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (over - 1)))
        : null;
    await db.signInThrottle.upsert({
      where: { key },
      create: { key, failures, lastFailureAt: now, lockedUntil },
      update: { failures, lastFailureAt: now, lockedUntil },
    });
  }
}

/** A successful sign-in clears the account's count (the address keeps its own). */
export async function recordSuccess(db: DbClient, email: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key: throttleKeys(email, null)[0] } });
}
