import type { DbClient } from "../db/client";
import { AppError } from "../errors";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Refuses an item of a reading session that is not open yet: session k+1 opens once every
 * item of the earlier sessions is rated and `washoutDays` have passed since session k was
 * completed (the first rating of its last-rated item).
 */
export async function assertSessionOpen(
  db: DbClient,
  studyReaderId: string,
  session: number,
  washoutDays: number,
  now = new Date(),
): Promise<void> {
  if (session <= 1 || washoutDays <= 0) return;
  const unrated = await db.readingItem.count({
    where: { studyReaderId, session: { lt: session }, rating: null },
  });
  if (unrated > 0) {
    throw new AppError(
      "CONFLICT",
      `Session ${session} opens after session ${session - 1} is complete (${unrated} item${unrated === 1 ? "" : "s"} left there)`,
    );
  }
  const last = await db.rating.aggregate({
    where: { item: { studyReaderId, session: session - 1 } },
    _max: { createdAt: true },
  });
  const completed = last._max.createdAt ?? now;
  const opensAt = new Date(completed.getTime() + washoutDays * DAY_MS);
  if (opensAt > now) {
    throw new AppError(
      "CONFLICT",
      `Session ${session} opens on ${opensAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${washoutDays} day${washoutDays === 1 ? "" : "s"} after you completed session ${session - 1}. Thank you; please come back then.`,
    );
  }
}
