import type { Rng } from "../lib/rng";

export type Side = "left" | "right";

/**
 * The demo model's outputs, in order: one label per finding and side that the demo's
 * phrase bank can write. A classifier card without a report template needs these labels.
 */
export const DEMO_LABELS: readonly string[] = [
  "cardiomegaly",
  "effusion_left",
  "effusion_right",
  "pneumothorax_left",
  "pneumothorax_right",
  "consolidation_left",
  "consolidation_right",
];

/**
 * The referable findings a demo phantom can carry. Sides are the patient's sides, so a
 * "right" finding is drawn on the image's left half (radiographic convention).
 */
export interface Findings {
  cardiomegaly: boolean;
  effusion: Side | "bilateral" | null;
  pneumothorax: Side | null;
  consolidation: Side | null;
}

export const NORMAL_FINDINGS: Findings = Object.freeze({
  cardiomegaly: false,
  effusion: null,
  pneumothorax: null,
  consolidation: null,
});

export function isNormal(f: Findings): boolean {
  return (
    !f.cardiomegaly && f.effusion === null && f.pneumothorax === null && f.consolidation === null
  );
}

export function findingTags(f: Findings): string[] {
  const tags: string[] = [];
  if (f.cardiomegaly) tags.push("cardiomegaly");
  if (f.effusion !== null) tags.push("pleural_effusion");
  if (f.pneumothorax !== null) tags.push("pneumothorax");
  if (f.consolidation !== null) tags.push("consolidation");
  return tags;
}

const side = (rng: Rng): Side => (rng.chance(0.5) ? "left" : "right");

/**
 * Abnormal cases are mostly single findings, with the pairings seen in practice more often
 * than chance (failure: cardiomegaly with effusions; pneumonia: consolidation with a
 * parapneumonic effusion on the same side).
 */
export function randomFindings(rng: Rng, abnormalShare = 0.6): Findings {
  const f: Findings = { ...NORMAL_FINDINGS };
  if (!rng.chance(abnormalShare)) return f;

  const primary = rng.pick(["cardiomegaly", "effusion", "pneumothorax", "consolidation"] as const);
  switch (primary) {
    case "cardiomegaly":
      f.cardiomegaly = true;
      if (rng.chance(0.25)) f.effusion = rng.chance(0.6) ? "bilateral" : "right";
      break;
    case "effusion": {
      const r = rng.next();
      f.effusion = r < 0.4 ? "right" : r < 0.75 ? "left" : "bilateral";
      if (rng.chance(0.15)) f.cardiomegaly = true;
      break;
    }
    case "pneumothorax":
      f.pneumothorax = side(rng);
      break;
    case "consolidation":
      f.consolidation = side(rng);
      if (rng.chance(0.2)) f.effusion = f.consolidation;
      break;
  }
  return f;
}
