import type { DbClient } from "../db/client";
import { STRINGENT_LEVELS, SUCCESS_LEVELS } from "../reading/scale";
import { LEVELS, loadStudyRatings } from "./ratings";
import type { StudyResults } from "./schema";
import { wilsonInterval } from "./stats";

const levelIndexes = (levels: readonly string[]) =>
  new Set(levels.map((l) => LEVELS.indexOf(l as (typeof LEVELS)[number])));

export async function getStudyResults(db: DbClient, studyId: string): Promise<StudyResults> {
  const data = await loadStudyRatings(db, studyId);
  const success = levelIndexes(SUCCESS_LEVELS);
  const stringent = levelIndexes(STRINGENT_LEVELS);
  const nSources = data.sources.length;
  const nReaders = data.readers.length;
  // counts[source][level], and per (source, reader) the ratings and successes.
  const counts = Array.from({ length: nSources }, () => [0, 0, 0, 0]);
  const perReaderN = new Int32Array(nSources * nReaders);
  const perReaderSuccess = new Int32Array(nSources * nReaders);
  for (let i = 0; i < data.level.length; i++) {
    const s = data.source[i]!;
    const level = data.level[i]!;
    counts[s]![level]!++;
    const cell = s * nReaders + data.reader[i]!;
    perReaderN[cell]!++;
    if (success.has(level)) perReaderSuccess[cell]!++;
  }
  const sum = (c: number[], set: Set<number>) =>
    c.reduce((t, n, level) => t + (set.has(level) ? n : 0), 0);

  return {
    study: data.study,
    totalRatings: data.level.length,
    sources: data.sources.map((source, s) => {
      const c = counts[s]!;
      const n = c.reduce((a, b) => a + b, 0);
      return {
        ...source,
        ratings: n,
        counts: { A: c[0]!, B: c[1]!, C: c[2]!, D: c[3]! },
        success: wilsonInterval(sum(c, success), n),
        stringent: wilsonInterval(sum(c, stringent), n),
        perReader: data.readers.map((reader, r) => ({
          reader: reader.pseudonym,
          name: reader.name,
          success: wilsonInterval(
            perReaderSuccess[s * nReaders + r]!,
            perReaderN[s * nReaders + r]!,
          ),
        })),
      };
    }),
  };
}
