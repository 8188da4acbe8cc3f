import { createRng } from "../../lib/rng";
import { cellIndex, crossedLayout, duplicateCell } from "./layout";
import { noBootstrap, summarizeReplicates } from "./math";
import {
  assertCategories,
  assertLevel,
  assertReplicates,
  DEFAULT_CATEGORIES,
  DEFAULT_REPLICATES,
  type BootstrapEstimate,
  type RatingCell,
} from "./types";

/**
 * Agreement inputs: `caseId` names the rated item (to treat each report as an item, give it an
 * id of its own, such as case and source together) and `reader` the rater. Missing ratings are
 * allowed everywhere in this module.
 */
export interface AgreementOptions {
  seed: number;
  /** Levels on the scale; default 4 (A-D). */
  categories?: number;
  /** Item-bootstrap replicates; default 2,000; 0 gives estimates without intervals. */
  replicates?: number;
}

/** A chance-corrected coefficient (pa - pe) / (1 - pe) with its two ingredients. */
export interface ChanceCorrected extends BootstrapEstimate {
  /** Observed agreement (the same as rawAgreement.estimate); null without pairable items. */
  pa: number | null;
  /** Agreement expected by chance under the coefficient's own model. */
  pe: number | null;
}

/**
 * Agreement among readers on an ordinal scale, each statistic with a 95% percentile interval
 * from resampling items with replacement (readers fixed).
 * - rawAgreement: over items with two or more ratings, the mean share of agreeing reader pairs
 *   within the item; with complete data this is the mean over reader pairs of their percent
 *   agreement;
 * - fleissKappa: Fleiss (1971), chance agreement from the pooled category shares; with a
 *   varying number of ratings per item, Gwet's generalization as in the R package irrCAC
 *   (fleiss.kappa.raw): pa over items with two or more ratings, category shares averaged over
 *   items of each item's own shares. Null when every rating is in one category (0/0);
 * - gwetAC1: Gwet (2008) AC1, the same pa with pe = sum pi_k (1 - pi_k) / (K - 1) over the
 *   scale's K levels; unlike kappa it stays high when nearly every rating is A (the prevalence
 *   paradox), and it is 1 when every rating is the same;
 * - krippendorffAlphaNominal, krippendorffAlphaOrdinal: Krippendorff's alpha from the
 *   coincidence matrix (Krippendorff 2011), using items with two or more ratings; null when no
 *   disagreement is possible (one category, or fewer than two pairable ratings). The ordinal
 *   metric depends on the observed level frequencies, so each replicate uses its own;
 * - items, raters, ratings: distinct items and readers, and ratings; pairableItems: items with
 *   two or more ratings; balanced: every item has the same number of ratings;
 * - notes: caveats that apply to these data.
 */
export interface AgreementResult {
  items: number;
  raters: number;
  ratings: number;
  pairableItems: number;
  balanced: boolean;
  rawAgreement: BootstrapEstimate;
  fleissKappa: ChanceCorrected;
  gwetAC1: ChanceCorrected;
  krippendorffAlphaNominal: BootstrapEstimate;
  krippendorffAlphaOrdinal: BootstrapEstimate;
  notes: string[];
}

/** Per-item category counts, with items that share a count vector merged into one profile. */
interface ItemProfiles {
  items: number;
  raters: number;
  ratings: number;
  categories: number;
  /** Profile of each item. */
  profileOf: Int32Array;
  /** Items per profile. */
  weight: Float64Array;
  /** Per profile, its additive contributions (see contributionLayout). */
  contributions: Float64Array;
  stride: number;
  minRatings: number;
  maxRatings: number;
  pairableItems: number;
  singleRatingItems: number;
}

/**
 * Every statistic here is a function of item-level sums, so each item (profile) contributes a
 * fixed vector: [rated, pairable, within-item pair agreement, K category shares, K x K
 * Krippendorff coincidences]. A replicate only reweights these vectors.
 */
function contributionLayout(k: number) {
  return {
    rated: 0,
    pairable: 1,
    agreement: 2,
    shares: 3,
    coincidence: 3 + k,
    stride: 3 + k + k * k,
  };
}

function itemProfiles(cells: readonly RatingCell[], categories: number): ItemProfiles {
  const layout = crossedLayout(cells);
  const nItems = layout.cases.length;
  const nRaters = layout.readers.length;
  const counts = new Int32Array(nItems * categories);
  const seen = new Uint8Array(nItems * nRaters);
  for (const cell of cells) {
    assertLevel(cell.level, categories);
    const at = cellIndex(layout, cell);
    if (seen[at] === 1) throw duplicateCell(cell);
    seen[at] = 1;
    const item = at % nItems;
    counts[item * categories + cell.level]!++;
  }

  const lay = contributionLayout(categories);
  const profileIds = new Map<string, number>();
  const profileOf = new Int32Array(nItems);
  const rows: Float64Array[] = [];
  const weights: number[] = [];
  let minRatings = Infinity;
  let maxRatings = 0;
  let pairableItems = 0;
  let singleRatingItems = 0;
  for (let i = 0; i < nItems; i++) {
    const n = counts.subarray(i * categories, (i + 1) * categories);
    let r = 0;
    for (const v of n) r += v;
    minRatings = Math.min(minRatings, r);
    maxRatings = Math.max(maxRatings, r);
    if (r >= 2) pairableItems++;
    else singleRatingItems++;
    const key = n.join(",");
    let id = profileIds.get(key);
    if (id === undefined) {
      id = rows.length;
      profileIds.set(key, id);
      rows.push(profileContribution(n, r, categories));
      weights.push(0);
    }
    profileOf[i] = id;
    weights[id]!++;
  }
  const contributions = new Float64Array(rows.length * lay.stride);
  rows.forEach((row, p) => contributions.set(row, p * lay.stride));
  return {
    items: nItems,
    raters: nRaters,
    ratings: cells.length,
    categories,
    profileOf,
    weight: Float64Array.from(weights),
    contributions,
    stride: lay.stride,
    minRatings: nItems === 0 ? 0 : minRatings,
    maxRatings,
    pairableItems,
    singleRatingItems,
  };
}

function profileContribution(n: Int32Array, r: number, k: number): Float64Array {
  const lay = contributionLayout(k);
  const out = new Float64Array(lay.stride);
  out[lay.rated] = 1;
  for (let c = 0; c < k; c++) out[lay.shares + c] = (n[c] as number) / r;
  if (r >= 2) {
    out[lay.pairable] = 1;
    let agreeing = 0;
    for (let c = 0; c < k; c++) {
      const nc = n[c] as number;
      agreeing += nc * (nc - 1);
      for (let d = 0; d < k; d++) {
        const nd = n[d] as number;
        out[lay.coincidence + c * k + d] = (nc * (nd - (c === d ? 1 : 0))) / (r - 1);
      }
    }
    out[lay.agreement] = agreeing / (r * (r - 1));
  }
  return out;
}

interface PointStatistics {
  pa: number | null;
  fleissPe: number | null;
  fleiss: number | null;
  ac1Pe: number | null;
  ac1: number | null;
  alphaNominal: number | null;
  alphaOrdinal: number | null;
}

/** Expected agreement this close to 1 means one category only: kappa is 0/0. */
const DEGENERATE = 1e-12;

function statisticsFromSums(sums: Float64Array, k: number): PointStatistics {
  const lay = contributionLayout(k);
  const rated = sums[lay.rated] as number;
  const pairable = sums[lay.pairable] as number;
  const pa = pairable > 0 ? (sums[lay.agreement] as number) / pairable : null;
  let fleissPe: number | null = null;
  let ac1Pe: number | null = null;
  if (rated > 0) {
    let squares = 0;
    let spread = 0;
    for (let c = 0; c < k; c++) {
      const pi = (sums[lay.shares + c] as number) / rated;
      squares += pi * pi;
      spread += pi * (1 - pi);
    }
    fleissPe = squares;
    ac1Pe = spread / (k - 1);
  }
  const chanceCorrected = (pe: number | null) =>
    pa === null || pe === null || pe >= 1 - DEGENERATE ? null : (pa - pe) / (1 - pe);
  const alphas = krippendorffAlphas(sums.subarray(lay.coincidence, lay.coincidence + k * k), k);
  return {
    pa,
    fleissPe,
    fleiss: chanceCorrected(fleissPe),
    ac1Pe,
    ac1: chanceCorrected(ac1Pe),
    ...alphas,
  };
}

/**
 * Alpha = 1 - (n - 1) sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck (Krippendorff 2011), with
 * nominal delta = [c != k] and ordinal delta = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2.
 */
function krippendorffAlphas(
  o: Float64Array,
  k: number,
): { alphaNominal: number | null; alphaOrdinal: number | null } {
  const marginal = new Float64Array(k);
  let n = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) marginal[c] = (marginal[c] as number) + (o[c * k + d] as number);
    n += marginal[c] as number;
  }
  if (n <= 1) return { alphaNominal: null, alphaOrdinal: null };
  const cumulative = new Float64Array(k + 1);
  for (let c = 0; c < k; c++)
    cumulative[c + 1] = (cumulative[c] as number) + (marginal[c] as number);
  let observedNominal = 0;
  let expectedNominal = 0;
  let observedOrdinal = 0;
  let expectedOrdinal = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      if (c === d) continue;
      const lo = Math.min(c, d);
      const hi = Math.max(c, d);
      const span =
        (cumulative[hi + 1] as number) -
        (cumulative[lo] as number) -
        ((marginal[c] as number) + (marginal[d] as number)) / 2;
      const ordinal = span * span;
      const ocd = o[c * k + d] as number;
      const ecd = (marginal[c] as number) * (marginal[d] as number);
      observedNominal += ocd;
      expectedNominal += ecd;
      observedOrdinal += ocd * ordinal;
      expectedOrdinal += ecd * ordinal;
    }
  }
  const alpha = (observed: number, expected: number) =>
    expected > 0 ? 1 - ((n - 1) * observed) / expected : null;
  return {
    alphaNominal: alpha(observedNominal, expectedNominal),
    alphaOrdinal: alpha(observedOrdinal, expectedOrdinal),
  };
}

function weightedSums(profiles: ItemProfiles, weights: ArrayLike<number>, out: Float64Array): void {
  const { contributions, stride } = profiles;
  out.fill(0);
  for (let p = 0; p < weights.length; p++) {
    const w = weights[p] as number;
    if (w === 0) continue;
    const base = p * stride;
    for (let j = 0; j < stride; j++)
      out[j] = (out[j] as number) + w * (contributions[base + j] as number);
  }
}

const STATISTICS = ["pa", "fleiss", "ac1", "alphaNominal", "alphaOrdinal"] as const;

/** Agreement statistics with item-bootstrap intervals; see AgreementResult. */
export function agreementStatistics(
  cells: readonly RatingCell[],
  options: AgreementOptions,
): AgreementResult {
  const categories = options.categories ?? DEFAULT_CATEGORIES;
  assertCategories(categories);
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  assertReplicates(replicates);
  const profiles = itemProfiles(cells, categories);
  const sums = new Float64Array(profiles.stride);
  weightedSums(profiles, profiles.weight, sums);
  const point = statisticsFromSums(sums, categories);

  const intervals = new Map<(typeof STATISTICS)[number], BootstrapEstimate>();
  if (replicates === 0 || profiles.items === 0) {
    for (const name of STATISTICS) intervals.set(name, noBootstrap(point[name], replicates));
  } else {
    const values = STATISTICS.map(() => new Float64Array(replicates));
    const defined = STATISTICS.map(() => 0);
    const rng = createRng(options.seed);
    const weights = new Float64Array(profiles.weight.length);
    const n = profiles.items;
    for (let b = 0; b < replicates; b++) {
      weights.fill(0);
      for (let j = 0; j < n; j++) {
        const p = profiles.profileOf[Math.floor(rng.next() * n)] as number;
        weights[p] = (weights[p] as number) + 1;
      }
      weightedSums(profiles, weights, sums);
      const replicate = statisticsFromSums(sums, categories);
      STATISTICS.forEach((name, s) => {
        const v = replicate[name];
        if (v !== null) (values[s] as Float64Array)[defined[s]!++] = v;
      });
    }
    STATISTICS.forEach((name, s) => {
      intervals.set(
        name,
        summarizeReplicates(
          point[name],
          values[s] as Float64Array,
          defined[s] as number,
          replicates,
        ),
      );
    });
  }
  const get = (name: (typeof STATISTICS)[number]) => intervals.get(name) as BootstrapEstimate;

  const notes: string[] = [];
  const balanced = profiles.minRatings === profiles.maxRatings;
  if (!balanced) {
    notes.push(
      `Items have ${profiles.minRatings} to ${profiles.maxRatings} ratings: Fleiss' kappa uses Gwet's generalization for unequal numbers of ratings (irrCAC fleiss.kappa.raw).`,
    );
  }
  if (profiles.singleRatingItems > 0) {
    notes.push(
      `${profiles.singleRatingItems} item(s) have a single rating: they count towards the category shares of kappa and AC1 but not towards agreement or alpha.`,
    );
  }
  if (profiles.items > 0 && point.pa !== null && point.fleiss === null) {
    notes.push(
      "Every rating is in one category: kappa and alpha are 0/0 and undefined, while raw agreement and AC1 are 1 (the prevalence paradox at its extreme).",
    );
  }
  if (profiles.items > 0 && profiles.pairableItems === 0) {
    notes.push("No item has two ratings, so agreement cannot be measured.");
  }
  return {
    items: profiles.items,
    raters: profiles.raters,
    ratings: profiles.ratings,
    pairableItems: profiles.pairableItems,
    balanced,
    rawAgreement: get("pa"),
    fleissKappa: { ...get("fleiss"), pa: point.pa, pe: point.fleissPe },
    gwetAC1: { ...get("ac1"), pa: point.pa, pe: point.ac1Pe },
    krippendorffAlphaNominal: get("alphaNominal"),
    krippendorffAlphaOrdinal: get("alphaOrdinal"),
    notes,
  };
}
