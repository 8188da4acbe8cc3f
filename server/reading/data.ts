import type { DbClient } from "../db/client";
import { AppError } from "../errors";
import { normalizeReport } from "../reports/normalize";
import { readDesign, readerScale } from "../studies/design";
import { assertSessionOpen } from "./sessions";
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
    select: { id: true, finishedAt: true, study: { select: { design: true, kind: true } } },
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
  const design = readDesign(reader.study.design);
  const firstUnrated = await db.readingItem.findFirst({
    where: { studyReaderId: reader.id, rating: null },
    orderBy: { position: "asc" },
    select: { position: true },
  });
  const resumeAt = firstUnrated?.position ?? total;
  const target = position ?? resumeAt;
  // Without going back, readers see items in order: the first unrated one, and the one after
  // it (fetched ahead). Skipping further would show an image's other report out of turn.
  if (!design.allowGoBack && reader.finishedAt === null) {
    if (target < resumeAt) {
      throw new AppError("BAD_REQUEST", "This study does not let readers go back to rated items");
    }
    if (target > resumeAt + 1) {
      throw new AppError("BAD_REQUEST", "This study is read in order: rate the current item first");
    }
  }
  const item = await db.readingItem.findUnique({
    where: { studyReaderId_position: { studyReaderId: reader.id, position: target } },
    select: {
      token: true,
      position: true,
      session: true,
      rating: { select: { level: true, comment: true, flags: true } },
      report: {
        select: { text: true, case: { select: { image16Path: true, imageInfo: true } } },
      },
    },
  });
  if (!item) {
    // An audit's queue starts empty and fills as cases are sampled.
    if (total === 0)
      throw new AppError("NOT_FOUND", "Nothing to review yet: sampled cases will appear here");
    throw new AppError("NOT_FOUND", `There is no item ${target} in this reading list`);
  }
  if (reader.finishedAt === null) {
    await assertSessionOpen(db, reader.id, item.session, design.washoutDays);
  }
  return {
    itemToken: item.token,
    position: item.position,
    total,
    rated,
    imageUrl: imageUrlForItem(item.token),
    image16Url: item.report.case.image16Path ? `${imageUrlForItem(item.token)}?depth=16` : null,
    window16: window16Of(item.report.case.imageInfo),
    report: normalizeReport(item.report.text),
    rating: item.rating?.level ?? null,
    comment: item.rating?.comment ?? null,
    flags: item.rating?.flags ?? [],
    canChange: reader.finishedAt === null,
    canGoBack: design.allowGoBack,
    canFinish: reader.study.kind !== "AUDIT",
    fields: { comment: design.comments, flags: design.errorFlags },
    scale: readerScale(design),
  };
}

function window16Of(info: unknown): { center: number; width: number } | null {
  const w = (info as { window16?: { center?: unknown; width?: unknown } } | null)?.window16;
  return w && typeof w.center === "number" && typeof w.width === "number"
    ? { center: w.center, width: w.width }
    : null;
}

/** The next unrated item of a reading list, for REST clients; done when none is left. */
export async function getNextItem(db: DbClient, userId: string, studyToken: string) {
  const item = await getReaderItem(db, userId, studyToken);
  const done = item.rated === item.total;
  return { done, item: done ? null : item };
}

/** The image of an item (the display image, or the 16-bit one), for its own reader only. */
export async function getItemImagePath(
  db: DbClient,
  userId: string,
  itemToken: string,
  depth: 8 | 16 = 8,
): Promise<string | null> {
  const item = await db.readingItem.findFirst({
    where: { token: itemToken, studyReader: { userId }, study: { status: "OPEN" } },
    select: { report: { select: { case: { select: { imagePath: true, image16Path: true } } } } },
  });
  const c = item?.report.case;
  return (depth === 16 ? c?.image16Path : c?.imagePath) ?? null;
}
