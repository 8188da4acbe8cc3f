import type { Findings, Side } from "../../server/demo/findings";
import { writeRadiologyReport } from "../../server/demo/reports";
import type { Rng } from "../../server/lib/rng";
import { preprocessForClassifier } from "./classifier";

/**
 * The demo report model's own parts: a small classifier trained on procedural chest phantoms
 * (scripts/build-demo-model.ts), served by the findings-classifier loader (./classifier.ts),
 * whose findings are written with the demo ground truth's phrase bank. It is a stand-in that
 * lets the platform run end to end; it is not a clinical model.
 */

export const INPUT_SIZE = 128;

/**
 * Greyscale, stretched to 128x128 and scaled to [0, 1], as the demo's model.json says. The
 * build script trains on exactly this output, so any change here must be followed by a
 * rebuild of the model.
 */
export function preprocessImage(image: Buffer): Promise<Float32Array> {
  return preprocessForClassifier(image, {
    height: INPUT_SIZE,
    width: INPUT_SIZE,
    channels: 1,
    layout: "NCHW",
    resize: "fill",
    range: [0, 1],
    mean: null,
    std: null,
  });
}

/**
 * Labels to findings: a label counts when its probability reaches its threshold; effusions
 * on both sides are bilateral, and for findings the phantoms only draw on one side the more
 * probable side wins.
 */
export function findingsFromProbabilities(
  probabilities: number[],
  labels: string[],
  thresholds: number[],
): Findings {
  const p = (label: string) => {
    const i = labels.indexOf(label);
    return i < 0 ? 0 : (probabilities[i] ?? 0);
  };
  const hit = (label: string) => {
    const i = labels.indexOf(label);
    return i >= 0 && (probabilities[i] ?? 0) >= (thresholds[i] ?? 0.5);
  };
  const oneSide = (name: string): Side | null => {
    const [right, left] = [hit(`${name}_right`), hit(`${name}_left`)];
    if (right && left) return p(`${name}_right`) >= p(`${name}_left`) ? "right" : "left";
    return right ? "right" : left ? "left" : null;
  };
  const effusionRight = hit("effusion_right");
  const effusionLeft = hit("effusion_left");
  return {
    cardiomegaly: hit("cardiomegaly"),
    effusion:
      effusionRight && effusionLeft
        ? "bilateral"
        : effusionRight
          ? "right"
          : effusionLeft
            ? "left"
            : null,
    pneumothorax: oneSide("pneumothorax"),
    consolidation: oneSide("consolidation"),
  };
}

/**
 * The model's report: its findings written with the same phrase bank and structure as the
 * demo's ground-truth reports, so wording carries no hint of the source and only content
 * (the model's mistakes) differs.
 */
export function writeModelReport(
  probabilities: number[],
  labels: string[],
  thresholds: number[],
  rng: Rng,
): string {
  return writeRadiologyReport(findingsFromProbabilities(probabilities, labels, thresholds), rng);
}
