import type { Findings, Side } from "./findings";
import type { Rng } from "../lib/rng";

/**
 * Radiologist-style reports for demo phantoms, written from the known findings only.
 *
 * The wording varies the way real reports from different radiologists do, so that a reader
 * cannot learn "this phrasing means ground truth" from repetition. Every positive statement
 * names the side it refers to; statements about absent findings are always negated, which is
 * what lets the tests check that nothing absent is ever asserted.
 */

type Phrase = (side: string) => string;

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const HEART_ENLARGED: readonly string[] = [
  "The heart is enlarged.",
  "Cardiomegaly.",
  "The cardiac silhouette is enlarged with a cardiothoracic ratio of approximately 0.6.",
  "Enlarged cardiac silhouette.",
  "The heart is enlarged, with a cardiothoracic ratio greater than 0.5.",
  "Cardiomegaly is present.",
];

const HEART_NORMAL: readonly string[] = [
  "Heart size is normal.",
  "The cardiomediastinal silhouette is within normal limits.",
  "Normal heart size.",
  "The heart is not enlarged.",
  "Cardiac size is within normal limits.",
  "Normal cardiomediastinal contours.",
];

const MEDIASTINUM: readonly string[] = [
  "Mediastinal contours are unremarkable.",
  "The mediastinum is not widened.",
  "Hila are normal.",
];

const CONSOLIDATION: readonly Phrase[] = [
  (s) => `Patchy airspace opacity in the ${s} lung, consistent with consolidation.`,
  (s) => `${capitalise(s)}-sided consolidation.`,
  (s) => `There is ill-defined airspace consolidation in the ${s} lung.`,
  (s) => `Focal consolidation is present in the ${s} lung.`,
  (s) => `Ill-defined patchy opacification of the ${s} lung, in keeping with consolidation.`,
];

const NO_CONSOLIDATION: readonly string[] = [
  "No focal consolidation.",
  "No focal airspace opacity.",
  "There is no focal consolidation.",
  "No consolidation is seen.",
];

const LUNGS_CLEAR: readonly string[] = [
  "The lungs are clear.",
  "Lungs are clear bilaterally.",
  "Both lungs are clear.",
  "The lungs are well expanded and clear.",
];

const EFFUSION: readonly Phrase[] = [
  (s) => `${capitalise(s)} pleural effusion.`,
  (s) => `There is a ${s} pleural effusion.`,
  (s) =>
    `Blunting of the ${s} costophrenic angle with a meniscus, consistent with a pleural effusion.`,
  (s) => `Fluid at the ${s} base with a meniscus, in keeping with a pleural effusion.`,
  (s) => `A ${s}-sided pleural effusion is present.`,
];

const EFFUSION_BILATERAL: readonly string[] = [
  "Bilateral pleural effusions.",
  "There are bilateral pleural effusions.",
  "Both costophrenic angles are blunted, consistent with bilateral pleural effusions.",
  "Bilateral pleural fluid with blunting of both costophrenic angles.",
];

const NO_EFFUSION: readonly string[] = [
  "No pleural effusion.",
  "The costophrenic angles are sharp.",
  "No pleural effusion is seen.",
  "There is no pleural effusion.",
];

const PNEUMOTHORAX: readonly Phrase[] = [
  (s) => `${capitalise(s)} pneumothorax.`,
  (s) => `There is a ${s} apical pneumothorax with a visible visceral pleural line.`,
  (s) =>
    `A visceral pleural line is seen at the ${s} apex with absent lung markings beyond it, consistent with pneumothorax.`,
  (s) => `${capitalise(s)}-sided pneumothorax is present.`,
  (s) => `A ${s} pneumothorax is demonstrated.`,
];

const NO_PNEUMOTHORAX: readonly string[] = [
  "No pneumothorax.",
  "There is no pneumothorax.",
  "No pneumothorax is identified.",
];

const NO_EFFUSION_OR_PNEUMOTHORAX: readonly string[] = [
  "No pleural effusion or pneumothorax.",
  "There is no pleural effusion or pneumothorax.",
  "No effusion or pneumothorax.",
];

const BONES: readonly string[] = [
  "Osseous structures are unremarkable.",
  "No acute osseous abnormality.",
  "The visualized bones are intact.",
];

const IMPRESSION_NORMAL: readonly string[] = [
  "No acute cardiopulmonary abnormality.",
  "Normal chest radiograph.",
  "No acute cardiopulmonary process.",
  "No radiographic evidence of acute disease.",
];

const IMPRESSION_CARDIOMEGALY: readonly string[] = ["Cardiomegaly.", "Enlarged heart."];
const IMPRESSION_EFFUSION: readonly Phrase[] = [
  (s) => `${capitalise(s)} pleural effusion.`,
  (s) => `${capitalise(s)}-sided pleural effusion.`,
];
const IMPRESSION_EFFUSION_BILATERAL: readonly string[] = [
  "Bilateral pleural effusions.",
  "Bilateral effusions.",
];
const IMPRESSION_PNEUMOTHORAX: readonly Phrase[] = [
  (s) => `${capitalise(s)} pneumothorax.`,
  (s) => `${capitalise(s)} apical pneumothorax.`,
];
const IMPRESSION_CONSOLIDATION: readonly Phrase[] = [
  (s) =>
    `${capitalise(s)} lung consolidation, which may represent pneumonia in the appropriate clinical setting.`,
  (s) => `${capitalise(s)}-sided consolidation, likely infective.`,
  (s) => `${capitalise(s)} lung consolidation.`,
];

const other = (side: Side): Side => (side === "left" ? "right" : "left");

export function writeRadiologyReport(findings: Findings, rng: Rng): string {
  const heart = rng.pick(findings.cardiomegaly ? HEART_ENLARGED : HEART_NORMAL);
  const cardiac = rng.chance(0.4) ? [heart, rng.pick(MEDIASTINUM)] : [heart];

  const lungs: string[] = [];
  if (findings.consolidation) {
    lungs.push(rng.pick(CONSOLIDATION)(findings.consolidation));
    if (rng.chance(0.3)) lungs.push(`The ${other(findings.consolidation)} lung is clear.`);
  } else if (findings.effusion === null && findings.pneumothorax === null && rng.chance(0.6)) {
    lungs.push(rng.pick(LUNGS_CLEAR));
  } else {
    lungs.push(rng.pick(NO_CONSOLIDATION));
  }

  const pleura: string[] = [];
  if (findings.effusion === null && findings.pneumothorax === null && rng.chance(0.5)) {
    pleura.push(rng.pick(NO_EFFUSION_OR_PNEUMOTHORAX));
  } else {
    if (findings.effusion === "bilateral") {
      pleura.push(rng.pick(EFFUSION_BILATERAL));
    } else if (findings.effusion) {
      pleura.push(rng.pick(EFFUSION)(findings.effusion));
      if (rng.chance(0.3))
        pleura.push(`The ${other(findings.effusion)} costophrenic angle is sharp.`);
    } else {
      pleura.push(rng.pick(NO_EFFUSION));
    }
    pleura.push(
      findings.pneumothorax
        ? rng.pick(PNEUMOTHORAX)(findings.pneumothorax)
        : rng.pick(NO_PNEUMOTHORAX),
    );
  }

  const body = rng.chance(0.5)
    ? [...cardiac, ...lungs, ...pleura]
    : [...lungs, ...pleura, ...cardiac];
  if (rng.chance(0.5)) body.push(rng.pick(BONES));

  // Impressions lead with the most urgent finding, as radiologists do.
  const items: string[] = [];
  if (findings.pneumothorax) items.push(rng.pick(IMPRESSION_PNEUMOTHORAX)(findings.pneumothorax));
  if (findings.consolidation) {
    items.push(rng.pick(IMPRESSION_CONSOLIDATION)(findings.consolidation));
  }
  if (findings.effusion === "bilateral") items.push(rng.pick(IMPRESSION_EFFUSION_BILATERAL));
  else if (findings.effusion) items.push(rng.pick(IMPRESSION_EFFUSION)(findings.effusion));
  if (findings.cardiomegaly) items.push(rng.pick(IMPRESSION_CARDIOMEGALY));

  let impression: string;
  if (items.length === 0) impression = `Impression: ${rng.pick(IMPRESSION_NORMAL)}`;
  else if (items.length === 1) impression = `Impression: ${items[0]}`;
  else impression = `Impression:\n${items.map((item, i) => `${i + 1}. ${item}`).join("\n")}`;

  return `Findings: ${body.join(" ")}\n\n${impression}`;
}
