import type { Prisma } from "@prisma/client";
import { recordAudit } from "../audit/record";
import { isUniqueViolation, type Db } from "../db/client";
import { AppError } from "../errors";
import { readDesign } from "../studies/design";
import { rateItemInput } from "./schema";
import { assertSessionOpen } from "./sessions";
import type { z } from "zod";

type RateItemInput = z.infer<typeof rateItemInput>;

/**
 * Records (or changes) a reader's rating of one of their own items. One row per item,
 * so a double click or a retried request leaves exactly one rating.
 */
export async function rateItem(db: Db, userId: string, input: unknown) {
  const parsed = rateItemInput.parse(input);
  try {
    return await saveRating(db, userId, parsed);
  } catch (error) {
    // Two copies of one request racing to create the row: the loser updates the winner's.
    if (isUniqueViolation(error)) return saveRating(db, userId, parsed);
    throw error;
  }
}

async function counts(tx: Prisma.TransactionClient, studyReaderId: string) {
  // Sequential: a transaction is one connection, which runs one query at a time.
  const rated = await tx.readingItem.count({
    where: { studyReaderId, rating: { isNot: null } },
  });
  const total = await tx.readingItem.count({ where: { studyReaderId } });
  return { rated, total };
}

async function saveRating(db: Db, userId: string, input: RateItemInput) {
  const { itemToken, level, activeMs, idempotencyKey, comment, flags } = input;
  return db.$transaction(async (tx) => {
    const item = await tx.readingItem.findFirst({
      where: { token: itemToken, studyReader: { userId }, study: { status: "OPEN" } },
      select: {
        id: true,
        studyReaderId: true,
        session: true,
        position: true,
        rating: { select: { activeMs: true, level: true } },
        study: { select: { design: true } },
      },
    });
    if (!item) throw new AppError("NOT_FOUND", "This item is not in your reading list");
    const design = readDesign(item.study.design);
    if (!design.scale.some((s) => s.level === level)) {
      throw new AppError(
        "BAD_REQUEST",
        `Rating must be one of ${design.scale.map((s) => s.level).join(", ")}`,
      );
    }
    if (!design.comments && comment) {
      throw new AppError("BAD_REQUEST", "This study does not take comments");
    }
    if (!design.errorFlags && flags?.length) {
      throw new AppError("BAD_REQUEST", "This study does not take error flags");
    }
    // Row lock shared with finishReading: a rating and a finish never interleave.
    await lockStudyReader(tx, item.studyReaderId);
    if (idempotencyKey) {
      // A key seen before is a resend (a retry, or a queued offline save): answer, change nothing.
      const inserted = await tx.$queryRaw<{ key: string }[]>`
        INSERT INTO rating_requests (item_id, key) VALUES (${item.id}, ${idempotencyKey})
        ON CONFLICT DO NOTHING RETURNING key`;
      if (inserted.length === 0)
        return { ...(await counts(tx, item.studyReaderId)), replayed: true };
    }
    const reader = await tx.studyReader.findUniqueOrThrow({
      where: { id: item.studyReaderId },
      select: { finishedAt: true },
    });
    if (reader.finishedAt) {
      throw new AppError("CONFLICT", "You have finished this study; ratings can no longer change");
    }
    await assertSessionOpen(tx, item.studyReaderId, item.session, design.washoutDays);
    if (!design.allowGoBack && item.rating && item.rating.level !== level) {
      throw new AppError("CONFLICT", "This study does not let readers change a saved rating");
    }
    if (!design.allowGoBack && !item.rating) {
      const earlierUnrated = await tx.readingItem.count({
        where: { studyReaderId: item.studyReaderId, position: { lt: item.position }, rating: null },
      });
      if (earlierUnrated > 0) {
        throw new AppError("CONFLICT", "This study is read in order: rate the earlier items first");
      }
    }
    // The browser sends its running total for the item, so the larger value wins: a
    // retried request cannot count the same seconds twice.
    const previous = item.rating?.activeMs ?? null;
    const time = activeMs === undefined ? previous : Math.max(previous ?? 0, activeMs);
    const details = {
      ...(comment !== undefined ? { comment: comment || null } : {}),
      ...(flags !== undefined ? { flags } : {}),
    };
    await tx.rating.upsert({
      where: { itemId: item.id },
      create: { itemId: item.id, level, activeMs: time, ...details },
      update: { level, activeMs: time, ...details },
    });
    const progress = await counts(tx, item.studyReaderId);
    // Last before the commit: appending to the audit chain takes its lock, which every
    // rating shares, so nothing else should run while it is held.
    await recordAudit(tx, {
      actor: userId,
      action: item.rating ? "rating.changed" : "rating.created",
      subjectType: "reading_item",
      subjectId: item.id,
      details: { level, previous: item.rating?.level ?? null, ...details },
    });
    return { ...progress, replayed: false };
  });
}

async function lockStudyReader(tx: Prisma.TransactionClient, studyReaderId: string) {
  await tx.$queryRaw`SELECT id FROM study_readers WHERE id = ${studyReaderId} FOR UPDATE`;
}

/** Marks the reader's list finished, after which ratings are final. */
export async function finishReading(db: Db, userId: string, studyToken: string) {
  return db.$transaction(async (tx) => {
    const reader = await tx.studyReader.findFirst({
      where: { token: studyToken, userId, study: { status: "OPEN" } },
      select: { id: true, study: { select: { kind: true } } },
    });
    if (!reader) throw new AppError("NOT_FOUND", "This reading list does not exist or is closed");
    if (reader.study.kind === "AUDIT") {
      throw new AppError("BAD_REQUEST", "An audit's review queue stays open as new cases arrive");
    }
    await lockStudyReader(tx, reader.id);
    const { finishedAt } = await tx.studyReader.findUniqueOrThrow({
      where: { id: reader.id },
      select: { finishedAt: true },
    });
    if (finishedAt) return { finished: true };
    const unrated = await tx.readingItem.count({
      where: { studyReaderId: reader.id, rating: null },
    });
    if (unrated > 0) {
      throw new AppError(
        "BAD_REQUEST",
        `${unrated} item(s) are not rated yet; rate them before finishing`,
      );
    }
    await tx.studyReader.update({ where: { id: reader.id }, data: { finishedAt: new Date() } });
    return { finished: true };
  });
}
