import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const dir = new URL("../models/demo-cxr/", import.meta.url);

describe("committed demo model (output of scripts/build-demo-model.ts)", () => {
  it("records the sha256 and size of model.onnx, which stays small", async () => {
    const bytes = await readFile(new URL("model.onnx", dir));
    const meta = JSON.parse(await readFile(new URL("model.json", dir), "utf8"));
    expect(meta.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(meta.sizeBytes).toBe(bytes.length);
    expect(bytes.length).toBeLessThan(5 * 1024 * 1024);
  });

  it("describes itself as a non-clinical demo with a reproducible, date-free provenance", async () => {
    const text = await readFile(new URL("model.json", dir), "utf8");
    const meta = JSON.parse(text);
    expect(meta.name).toBe("blindread-demo-cxr");
    expect(meta.version).toBe("0.1.0");
    expect(meta.disclaimer).toMatch(/NOT a clinical model/);
    expect(meta.disclaimer).toMatch(/phantoms/);
    expect(meta.provenance.script).toBe("scripts/build-demo-model.ts");
    expect(meta.provenance.samples.train).toBeGreaterThan(0);
    expect(meta.provenance.epochs).toBeGreaterThan(0);
    // A date or timestamp would make two builds differ.
    expect(text).not.toMatch(/\b20\d\d-\d\d-\d\d/);
    expect(meta.input).toMatchObject({ name: "image", size: 128, shape: ["N", 1, 128, 128] });
    expect(meta.output.name).toBe("probabilities");
    expect(meta.thresholds).toHaveLength(meta.output.labels.length);
    for (const t of meta.thresholds) expect(t > 0 && t < 1).toBe(true);
  });

  it("records held-out metrics that are better than chance but not perfect", async () => {
    const meta = JSON.parse(await readFile(new URL("model.json", dir), "utf8"));
    const perLabel = Object.values(meta.evaluation.perLabel) as {
      auc: number;
      sensitivity: number;
      specificity: number;
    }[];
    expect(perLabel).toHaveLength(meta.output.labels.length);
    for (const m of perLabel) {
      expect(m.auc).toBeGreaterThan(0.7);
      expect(m.sensitivity + m.specificity).toBeGreaterThan(1.2);
    }
    expect(perLabel.some((m) => m.sensitivity < 1 || m.specificity < 1)).toBe(true);
  });
});
