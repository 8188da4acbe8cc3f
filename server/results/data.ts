import type { DbClient } from "../db/client";
import { LEVELS, loadStudyRatings, type StudyRatings } from "./ratings";
import type { StudyResults } from "./schema";
import {
  agreementStatistics,
  atLeastAsGood,
  cochranQ,
  crossedBootstrap,
  groupRates,
  levelDistribution,
  mcnemarExact,
  mrmcBinaryVariance,
  mrmcPairedDifference,
  pairedCrossedBootstrap,
  pairwiseCohenKappa,
  type BinaryCell,
  type BootstrapEstimate,
  type MrmcResult,
  type RatingCell,
  wilsonInterval,
} from "./stats";

export const DEFAULT_BOOTSTRAP_REPLICATES = 2_000;

const interval = (b: BootstrapEstimate) => ({
  estimate: b.estimate,
  lower: b.lower,
  upper: b.upper,
  se: b.se,
  replicates: b.replicates,
});
const mrmc = (m: MrmcResult) => ({
  estimate: m.estimate,
  lower: m.lower,
  upper: m.upper,
  se: m.se,
  variance: m.variance,
  note: m.note,
});

function quantile(sorted: Int32Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Ratings of one source as cells: reader pseudonym, case id, level. */
function cellsOf(data: StudyRatings, source: number): RatingCell[] {
  const cells: RatingCell[] = [];
  for (let i = 0; i < data.level.length; i++) {
    if (data.source[i] !== source) continue;
    cells.push({
      reader: data.readers[data.reader[i]!]!.pseudonym,
      caseId: data.cases[data.caseIndex[i]!]!.externalId,
      level: data.level[i]!,
    });
  }
  return cells;
}

const binary = (cells: RatingCell[], set: Set<number>): BinaryCell[] =>
  cells.map((c) => ({ reader: c.reader, caseId: c.caseId, value: set.has(c.level) ? 1 : 0 }));

/**
 * Everything the study owner publishes: per source the rates with Wilson, crossed-bootstrap
 * and MRMC intervals, per reader and per case group; agreement between readers; and each
 * model against the ground truth on paired (reader, case) cells. Bootstraps are seeded with
 * the study's recorded seed, so the same ratings always give the same numbers.
 */
export async function getStudyResults(
  db: DbClient,
  studyId: string,
  options: { replicates?: number } = {},
): Promise<StudyResults> {
  const data = await loadStudyRatings(db, studyId);
  const { seed } = data;
  const replicates = options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const success = new Set(data.successLevels);
  const stringent = new Set(data.stringentLevels);
  const caseGroups = data.cases.map((c) => [
    ...(c.isAbnormal === null ? [] : [c.isAbnormal ? "abnormal" : "normal"]),
    ...c.findingTags.map((t) => `finding:${t}`),
    ...(c.site ? [`site:${c.site}`] : []),
  ]);
  const caseIndexById = new Map(data.cases.map((c, i) => [c.externalId, i]));
  const cellsBySource = data.sources.map((_, s) => cellsOf(data, s));

  // Each model against the ground truth, then each pair of models. A paired bootstrap also
  // yields each side's own crossed interval, which the per-source rows reuse.
  const pairs: [number, number][] = [];
  for (let a = 1; a < data.sources.length; a++) pairs.push([a, 0]);
  for (let a = 1; a < data.sources.length; a++) {
    for (let b = a + 1; b < data.sources.length; b++) pairs.push([a, b]);
  }
  const okBySource = cellsBySource.map((cells) => binary(cells, success));
  const strictBySource = cellsBySource.map((cells) => binary(cells, stringent));
  const bootstraps = pairs.map(([a, b]) => ({
    success: pairedCrossedBootstrap(okBySource[a]!, okBySource[b]!, { seed, replicates }),
    stringent: pairedCrossedBootstrap(strictBySource[a]!, strictBySource[b]!, { seed, replicates }),
  }));
  /**
   * A source's own crossed interval. When it and the ground truth cover the same readers and
   * cases, its paired bootstrap with the ground truth resampled exactly what its own would, so
   * that one is reused; otherwise (a model missing cases, readers at different points) it is
   * computed on its own.
   */
  const designOf = (cells: RatingCell[]) =>
    `${[...new Set(cells.map((c) => c.reader))].sort().join(",")}|${[...new Set(cells.map((c) => c.caseId))].sort().join(",")}`;
  const designs = cellsBySource.map(designOf);
  const crossedOf = (s: number, kind: "success" | "stringent") => {
    const vsGroundTruth = s === 0 ? 0 : s - 1;
    const paired = bootstraps[vsGroundTruth];
    const partner = s === 0 ? 1 : 0;
    if (paired && designs[s] === designs[partner]) return s === 0 ? paired[kind].y : paired[kind].x;
    const cells = kind === "success" ? okBySource[s]! : strictBySource[s]!;
    return crossedBootstrap(cells, { seed, replicates });
  };
  const comparisons = pairs.map(([a, b], i) => {
    const x = cellsBySource[a]!;
    const y = cellsBySource[b]!;
    const xOk = okBySource[a]!;
    const yOk = okBySource[b]!;
    const mcnemar = mcnemarExact(xOk, yOk);
    const q = cochranQ([xOk, yOk]);
    return {
      label: data.sources[a]!.label,
      versus: data.sources[b]!.label,
      pairs: mcnemar.pairs,
      difference: interval(bootstraps[i]!.success.difference),
      differenceStringent: interval(bootstraps[i]!.stringent.difference),
      differenceMrmc: mrmc(mrmcPairedDifference(xOk, yOk)),
      mcnemar: { sourceOnly: mcnemar.xOnly, versusOnly: mcnemar.yOnly, pValue: mcnemar.pValue },
      cochranQ: { statistic: q.statistic, df: q.df, pValue: q.pValue },
      atLeastAsGood: atLeastAsGood(x, y).atLeastAsGood,
    };
  });

  const sources = data.sources.map((source, s) => {
    const cells = cellsBySource[s]!;
    const ok = okBySource[s]!;
    const strict = strictBySource[s]!;
    const counts = levelDistribution(cells).counts;
    const times = new Int32Array(
      [...data.activeMs.filter((t, i) => data.source[i] === s && t >= 0)].sort((a, b) => a - b),
    );
    const agreement = agreementStatistics(cells, { seed, replicates });
    return {
      ...source,
      ratings: cells.length,
      counts: { A: counts[0]!, B: counts[1]!, C: counts[2]!, D: counts[3]! },
      success: wilsonInterval(ok.filter((c) => c.value === 1).length, ok.length),
      stringent: wilsonInterval(strict.filter((c) => c.value === 1).length, strict.length),
      successCrossed: interval(crossedOf(s, "success")),
      stringentCrossed: interval(crossedOf(s, "stringent")),
      successMrmc: mrmc(mrmcBinaryVariance(ok)),
      stringentMrmc: mrmc(mrmcBinaryVariance(strict)),
      perReader: data.readers.map((reader) => {
        const theirs = cells.filter((c) => c.reader === reader.pseudonym);
        const wins = theirs.filter((c) => success.has(c.level)).length;
        return {
          reader: reader.pseudonym,
          name: reader.name,
          counts: levelDistribution(theirs).counts,
          success: wilsonInterval(wins, theirs.length),
        };
      }),
      groups: groupRates(
        ok.map((c) => ({ value: c.value, groups: caseGroups[caseIndexById.get(c.caseId)!]! })),
      ).map(({ group, successes, n, estimate, lower, upper }) => ({
        group,
        successes,
        n,
        estimate,
        lower,
        upper,
      })),
      timeMs: {
        n: times.length,
        median: quantile(times, 0.5),
        p25: quantile(times, 0.25),
        p75: quantile(times, 0.75),
      },
      agreement: {
        items: agreement.items,
        raters: agreement.raters,
        rawAgreement: interval(agreement.rawAgreement),
        fleissKappa: interval(agreement.fleissKappa),
        gwetAC1: interval(agreement.gwetAC1),
        krippendorffAlphaNominal: interval(agreement.krippendorffAlphaNominal),
        krippendorffAlphaOrdinal: interval(agreement.krippendorffAlphaOrdinal),
        notes: agreement.notes,
      },
      readerPairs: pairwiseCohenKappa(cells, { seed, replicates }).map((p) => ({
        readerA: p.readerA,
        readerB: p.readerB,
        items: p.items,
        rawAgreement: interval(p.rawAgreement),
        unweighted: interval(p.unweighted),
        linear: interval(p.linear),
        quadratic: interval(p.quadratic),
      })),
    };
  });

  return {
    study: data.study,
    totalRatings: data.level.length,
    bootstrap: { replicates, seed },
    scale: {
      success: data.successLevels.map((i) => LEVELS[i]!),
      stringent: data.stringentLevels.map((i) => LEVELS[i]!),
    },
    sources,
    comparisons,
  };
}
