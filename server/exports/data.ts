import type { DbClient } from "../db/client";

/** The latest unblinded exports of a study, newest first, for the admin's record. */
export async function listExportRecords(db: DbClient, studyId: string) {
  const rows = await db.exportRecord.findMany({
    where: { studyId },
    orderBy: { createdAt: "desc" },
    take: 50,
    select: { actor: true, channel: true, format: true, createdAt: true },
  });
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}
