import type { DbClient } from "../db/client";
import { AppError } from "../errors";

export const LEVELS = ["A", "B", "C", "D"] as const;

export interface StudyRatings {
  study: { id: string; name: string; status: "DRAFT" | "OPEN" | "CLOSED" };
  /** Level indexes (0 = A) counted as success and as stringent success. */
  successLevels: number[];
  stringentLevels: number[];
  seed: number;
  /** Index 0 is the ground truth; then the study's models, ordered by id. */
  sources: {
    source: "GROUND_TRUTH" | "AI";
    label: string;
    model: { name: string; version: string; isDemo: boolean } | null;
  }[];
  /** In the order readers joined the study: R1, R2, ... */
  readers: { pseudonym: string; name: string }[];
  /** In external-id order. */
  cases: {
    externalId: string;
    isAbnormal: boolean | null;
    findingTags: string[];
    site: string | null;
  }[];
  /** One entry per rating, as parallel arrays of indexes into the lists above. */
  reader: Int32Array;
  caseIndex: Int32Array;
  source: Int32Array;
  /** 0 = A (best) ... 3 = D. */
  level: Int8Array;
  /** Active milliseconds on the item; -1 where not measured. */
  activeMs: Int32Array;
}

/**
 * Every rating of a study as four parallel integer arrays, built by PostgreSQL in one query:
 * a 200,000-rating study arrives as four arrays rather than 200,000 objects.
 */
export async function loadStudyRatings(db: DbClient, studyId: string): Promise<StudyRatings> {
  const study = await db.study.findUnique({
    where: { id: studyId },
    select: {
      id: true,
      name: true,
      status: true,
      seed: true,
      successLevels: true,
      stringentLevels: true,
      models: {
        orderBy: { modelId: "asc" },
        select: { model: { select: { id: true, name: true, version: true, isDemo: true } } },
      },
      readers: { orderBy: { id: "asc" }, select: { user: { select: { name: true } } } },
      cases: {
        orderBy: { externalId: "asc" },
        select: { externalId: true, isAbnormal: true, findingTags: true, site: true },
      },
    },
  });
  if (!study) throw new AppError("NOT_FOUND", "Study not found");

  const [packed] = await db.$queryRaw<
    {
      r: number[] | null;
      c: number[] | null;
      s: number[] | null;
      l: number[] | null;
      t: number[] | null;
    }[]
  >`
    WITH readers AS (
      SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS n FROM study_readers WHERE study_id = ${studyId}
    ), cases AS (
      SELECT id, (row_number() OVER (ORDER BY external_id) - 1)::int AS n FROM cases WHERE study_id = ${studyId}
    ), sources AS (
      SELECT model_id, (row_number() OVER (ORDER BY model_id))::int AS n FROM study_models WHERE study_id = ${studyId}
    )
    SELECT array_agg(rd.n) AS r, array_agg(c.n) AS c, array_agg(COALESCE(s.n, 0)) AS s,
      array_agg((array_position(ARRAY['A','B','C','D'], rt.level::text) - 1)) AS l,
      array_agg(COALESCE(rt.active_ms, -1)) AS t
    FROM ratings rt
    JOIN reading_items ri ON ri.id = rt.item_id
    JOIN readers rd ON rd.id = ri.study_reader_id
    JOIN reports rp ON rp.id = ri.report_id
    JOIN cases c ON c.id = rp.case_id
    LEFT JOIN sources s ON s.model_id = rp.model_id
    WHERE ri.study_id = ${studyId}`;

  return {
    study: { id: study.id, name: study.name, status: study.status },
    successLevels: study.successLevels.map((l) => LEVELS.indexOf(l)),
    stringentLevels: study.stringentLevels.map((l) => LEVELS.indexOf(l)),
    seed: study.seed,
    sources: [
      { source: "GROUND_TRUTH", label: "Ground truth (original report)", model: null },
      ...study.models.map(({ model }) => ({
        source: "AI" as const,
        label: `${model.name} ${model.version}${model.isDemo ? " (demo model)" : ""}`,
        model: { name: model.name, version: model.version, isDemo: model.isDemo },
      })),
    ],
    readers: study.readers.map((r, i) => ({ pseudonym: `R${i + 1}`, name: r.user.name })),
    cases: study.cases,
    reader: Int32Array.from(packed?.r ?? []),
    caseIndex: Int32Array.from(packed?.c ?? []),
    source: Int32Array.from(packed?.s ?? []),
    level: Int8Array.from(packed?.l ?? []),
    activeMs: Int32Array.from(packed?.t ?? []),
  };
}
