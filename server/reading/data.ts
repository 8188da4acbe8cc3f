import type { DbClient } from "../db/client";
import { AppError } from "../errors";
import { normalizeReport } from "../reports/normalize";
import type { ReaderItem, ReaderStudy } from "./schema";

/** The URL of an item's image: addressed by the item's opaque token, as the item is. */
export function imageUrlForItem(itemToken: string): string {
  return `/api/images/${itemToken}`;
}

export async function listReaderStudies(db: DbClient, userId: string): Promise<ReaderStudy[]> {
  const rows = await db.studyReader.findMany({
    where: { userId, study: { status: "OPEN" } },
    orderBy: { study: { openedAt: "asc" } },
    select: {
      token: true,
      finishedAt: true,
      study: { select: { name: true } },
      _count: { select: { items: true } },
      items: { where: { rating: { isNot: null } }, select: { position: true } },
    },
  });
  return rows.map((r) => ({
    studyToken: r.token,
    name: r.study.name,
    total: r._count.items,
    rated: r.items.length,
    finished: r.finishedAt !== null,
  }));
}

async function getOwnStudyReader(db: DbClient, userId: string, studyToken: string) {
  const reader = await db.studyReader.findFirst({
    where: { token: studyToken, userId, study: { status: "OPEN" } },
    select: { id: true, finishedAt: true },
  });
  // Same answer for someone else's token and a made-up one: nothing to learn by probing.
  if (!reader) throw new AppError("NOT_FOUND", "This reading list does not exist or is closed");
  return reader;
}

export async function getReaderItem(
  db: DbClient,
  userId: string,
  studyToken: string,
  position?: number,
): Promise<ReaderItem> {
  const reader = await getOwnStudyReader(db, userId, studyToken);
  const [total, rated] = await Promise.all([
    db.readingItem.count({ where: { studyReaderId: reader.id } }),
    db.readingItem.count({ where: { studyReaderId: reader.id, rating: { isNot: null } } }),
  ]);
  let target = position;
  if (target === undefined) {
    const firstUnrated = await db.readingItem.findFirst({
      where: { studyReaderId: reader.id, rating: null },
      orderBy: { position: "asc" },
      select: { position: true },
    });
    target = firstUnrated?.position ?? total;
  }
  const item = await db.readingItem.findUnique({
    where: { studyReaderId_position: { studyReaderId: reader.id, position: target } },
    select: {
      token: true,
      position: true,
      rating: { select: { level: true } },
      report: { select: { text: true } },
    },
  });
  if (!item) throw new AppError("NOT_FOUND", `There is no item ${target} in this reading list`);
  return {
    itemToken: item.token,
    position: item.position,
    total,
    rated,
    imageUrl: imageUrlForItem(item.token),
    report: normalizeReport(item.report.text),
    rating: item.rating?.level ?? null,
    canChange: reader.finishedAt === null,
  };
}

/** The image of an item, for its own reader only. */
export async function getItemImagePath(
  db: DbClient,
  userId: string,
  itemToken: string,
): Promise<string | null> {
  const item = await db.readingItem.findFirst({
    where: { token: itemToken, studyReader: { userId }, study: { status: "OPEN" } },
    select: { report: { select: { case: { select: { imagePath: true } } } } },
  });
  return item?.report.case.imagePath ?? null;
}
