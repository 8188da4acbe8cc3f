import type { RatingLevel } from "@prisma/client";
import type { DbClient } from "../db/client";
import { AppError } from "../errors";
import { STRINGENT_LEVELS, SUCCESS_LEVELS } from "../reading/scale";
import type { StudyResults } from "./schema";
import { wilsonInterval } from "./stats";

interface RatingRow {
  level: RatingLevel;
  readerIndex: number;
  sourceKey: string;
}

export async function getStudyResults(db: DbClient, studyId: string): Promise<StudyResults> {
  const study = await db.study.findUnique({
    where: { id: studyId },
    select: {
      id: true,
      name: true,
      status: true,
      models: {
        select: { model: { select: { id: true, name: true, version: true, isDemo: true } } },
      },
      readers: { orderBy: { id: "asc" }, select: { id: true, user: { select: { name: true } } } },
    },
  });
  if (!study) throw new AppError("NOT_FOUND", "Study not found");

  const ratings = await db.rating.findMany({
    where: { item: { studyId } },
    select: {
      level: true,
      item: { select: { studyReaderId: true, report: { select: { modelId: true } } } },
    },
  });
  const readerIndex = new Map(study.readers.map((r, i) => [r.id, i]));
  const rows: RatingRow[] = ratings.map((r) => ({
    level: r.level,
    readerIndex: readerIndex.get(r.item.studyReaderId) ?? -1,
    sourceKey: r.item.report.modelId ?? "ground-truth",
  }));

  const sources = [
    {
      key: "ground-truth",
      source: "GROUND_TRUTH" as const,
      label: "Ground truth (original report)",
      model: null,
    },
    ...study.models.map(({ model }) => ({
      key: model.id,
      source: "AI" as const,
      label: `${model.name} ${model.version}${model.isDemo ? " (demo model)" : ""}`,
      model: { name: model.name, version: model.version, isDemo: model.isDemo },
    })),
  ];

  return {
    study: { id: study.id, name: study.name, status: study.status },
    totalRatings: rows.length,
    sources: sources.map(({ key, ...source }) => {
      const mine = rows.filter((r) => r.sourceKey === key);
      const count = (levels: readonly RatingLevel[], list = mine) =>
        list.filter((r) => levels.includes(r.level)).length;
      return {
        ...source,
        ratings: mine.length,
        counts: { A: count(["A"]), B: count(["B"]), C: count(["C"]), D: count(["D"]) },
        success: wilsonInterval(count(SUCCESS_LEVELS), mine.length),
        stringent: wilsonInterval(count(STRINGENT_LEVELS), mine.length),
        perReader: study.readers.map((reader, index) => {
          const theirs = mine.filter((r) => r.readerIndex === index);
          return {
            reader: `R${index + 1}`,
            name: reader.user.name,
            success: wilsonInterval(count(SUCCESS_LEVELS, theirs), theirs.length),
          };
        }),
      };
    }),
  };
}
