import type { DbClient } from "../db/client";
import { getStudyResults } from "./data";
import type { StudyResults } from "./schema";

const MAX_ENTRIES = 20;
const cache = new Map<string, { fingerprint: string; results: StudyResults }>();

/**
 * Results are a pure function of the ratings (and the study's seed and scale), so they are
 * computed again only when a rating was added or changed: a 200,000-rating study takes about
 * 2 s, and the study page asks every 30 s.
 */
export async function getCachedStudyResults(
  db: DbClient,
  studyId: string,
  options: { replicates?: number } = {},
): Promise<StudyResults> {
  // What the results depend on: the ratings, the study's settings, its models and readers.
  const [row] = await db.$queryRaw<{ fingerprint: string }[]>`
    SELECT concat_ws('|',
      (SELECT count(r.id) || ':' || coalesce(max(r.updated_at)::text, '') || ':'
           || coalesce(sum(array_position(enum_range(NULL::"RatingLevel"), r.level)), 0)
         FROM reading_items ri JOIN ratings r ON r.item_id = ri.id WHERE ri.study_id = ${studyId}),
      (SELECT concat_ws(':', status, name, seed, success_levels::text, stringent_levels::text)
         FROM studies WHERE id = ${studyId}),
      (SELECT string_agg(model_id, ',' ORDER BY model_id) FROM study_models WHERE study_id = ${studyId}),
      (SELECT string_agg(sr.user_id || ':' || u.name, ',' ORDER BY sr.id)
         FROM study_readers sr JOIN users u ON u.id = sr.user_id WHERE sr.study_id = ${studyId})
    ) AS fingerprint`;
  const fingerprint = row?.fingerprint ?? "";
  const key = `${studyId}|${options.replicates ?? "default"}`;
  const hit = cache.get(key);
  if (hit && hit.fingerprint === fingerprint) return hit.results;
  const results = await getStudyResults(db, studyId, options);
  cache.delete(key);
  cache.set(key, { fingerprint, results });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return results;
}
