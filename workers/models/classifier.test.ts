import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import {
  LABELS,
  SIDE,
  TEMPLATE,
  solidImage,
  writeClassifierModel,
} from "../../tests/fixtures/classifier-model";
import { classifierCardSchema } from "../../server/models/classifier-card";
import {
  classifierInput,
  loadClassifierModel,
  preprocessForClassifier,
  writeTemplateReport,
} from "./classifier";
import { PermanentModelError } from "./types";

const folders: string[] = [];
afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});
async function folder(options: Parameters<typeof writeClassifierModel>[0] = {}) {
  const dir = await writeClassifierModel(options);
  folders.push(dir);
  return dir;
}
const cpu = { preferCuda: false, log: () => {} };

// sigmoid(+5) and sigmoid(-5), to 6 places: 1 / (1 + e^-5) = 0.993307, 1 / (1 + e^5) = 0.006693.
const HIGH = 0.993307;
const LOW = 0.006693;

// Reports as the template in tests/fixtures/classifier-model.ts composes them, by hand.
const NORMAL_REPORT =
  "Findings: The lungs are clear. The heart is normal in size.\n\nImpression: No acute abnormality.";
const EFFUSION_REPORT = "Findings: There is a pleural effusion.\n\nImpression: Pleural effusion.";
const ALL_REPORT =
  "Findings: There is a pleural effusion. The heart is enlarged. There is a pneumothorax.\n\nImpression: Pleural effusion. Cardiomegaly. Pneumothorax.";

describe("findings classifier with a report template", () => {
  it("writes each image's report from the template, in label order", async () => {
    const model = await loadClassifierModel(await folder(), cpu);
    expect(model.labels).toEqual([...LABELS]);
    const images = await Promise.all([
      solidImage([255, 0, 0]),
      solidImage([0, 0, 0]),
      solidImage([255, 255, 255]),
    ]);
    expect(await model.generate(images)).toEqual([EFFUSION_REPORT, NORMAL_REPORT, ALL_REPORT]);
    const probabilities = await model.predict(images);
    const rounded = probabilities.map((row) => row.map((p) => Number(p.toFixed(6))));
    expect(rounded).toEqual([
      [HIGH, LOW, LOW],
      [LOW, LOW, LOW],
      [HIGH, HIGH, HIGH],
    ]);
    await model.close();
  });

  it("reads NHWC models the same way", async () => {
    const model = await loadClassifierModel(await folder({ layout: "NHWC" }), cpu);
    const images = await Promise.all([solidImage([0, 255, 0]), solidImage([0, 0, 255])]);
    const rounded = (await model.predict(images)).map((row) => row.map((p) => +p.toFixed(6)));
    expect(rounded).toEqual([
      [LOW, HIGH, LOW],
      [LOW, LOW, HIGH],
    ]);
    await model.close();
  });

  it("lets the registered thresholds override the card's, and records what decided", async () => {
    const model = await loadClassifierModel(await folder(), {
      ...cpu,
      // 0.995 is above sigmoid(5) = 0.99331, so a bright red channel no longer counts.
      parameters: { thresholds: { Effusion: 0.995 }, note: "stricter effusion" },
    });
    expect(await model.generate([await solidImage([255, 0, 0])])).toEqual([NORMAL_REPORT]);
    expect(model.parameters).toEqual({
      note: "stricter effusion",
      thresholds: { Effusion: 0.995, Cardiomegaly: 0.5, Pneumothorax: 0.5 },
    });
    await model.close();
  });

  it("writes findings only when the template has no impressions", () => {
    const { impression: _i, normalImpression: _n, ...findingsOnly } = TEMPLATE;
    expect(writeTemplateReport(findingsOnly, ["Cardiomegaly"])).toBe(
      "Findings: The heart is enlarged.",
    );
    expect(writeTemplateReport(findingsOnly, [])).toBe(
      "Findings: The lungs are clear. The heart is normal in size.",
    );
  });

  it("refuses what cannot be served with a reason the admin can act on, as a permanent error", async () => {
    const refusal = async (dir: string, parameters?: unknown) => {
      const error = await loadClassifierModel(dir, { ...cpu, parameters }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentModelError);
      return (error as Error).message;
    };
    expect(await refusal(await folder({ inputName: "pixels" }))).toMatch(
      'model input mismatch: model.onnx takes pixels and gives scores, but model.json names input "image" and output "scores"',
    );
    expect(await refusal(await folder({ card: { thresholds: [0.5, 0.5] } }))).toMatch(
      "thresholds: 2 thresholds for 3 labels",
    );
    expect(await refusal(await folder({ card: { template: undefined } }))).toMatch(
      'has no "template", so its findings cannot be written as a report (Effusion, Cardiomegaly, Pneumothorax)',
    );
    expect(
      await refusal(await folder({ card: { template: { ...TEMPLATE, findings: {} } } })),
    ).toMatch("template.findings: no sentence for Effusion, Cardiomegaly, Pneumothorax");
    expect(await refusal(await folder(), { thresholds: { Atelectasis: 0.3 } })).toMatch(
      "the registered thresholds name labels the model does not have: Atelectasis",
    );
  });

  it("fails a batch permanently when the card's input does not fit the network", async () => {
    // One channel where the network's Gemm needs three: ONNX Runtime refuses the shape.
    const dir = await folder({
      card: {
        input: { name: "image", size: SIDE, channels: 1, range: [0, 1] },
      },
    });
    const model = await loadClassifierModel(dir, cpu);
    const error = await model.generate([await solidImage([1, 2, 3])]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentModelError);
    expect((error as Error).message).toMatch(/^model input mismatch: [\s\S]*check input\.size/);
    await model.close();
  });
});

describe("classifier preprocessing", () => {
  const card = (input: Record<string, unknown>) =>
    classifierInput(
      classifierCardSchema.parse({
        input: { name: "x", size: 4, ...input },
        output: { name: "y", labels: ["a"] },
        thresholds: [0.5],
      }),
    );

  it("maps 8-bit values to the card's range, then standardizes per channel", async () => {
    const grey = await solidImage([128, 128, 128], 8, 8);
    // torchxrayvision's range: -1024 + 128/255 * 2048 = 4.0156862745...
    const xrv = await preprocessForClassifier(grey, card({ range: [-1024, 1024] }));
    expect(xrv).toHaveLength(16);
    expect(xrv[0]).toBeCloseTo(4.0156862745, 4);
    // ImageNet-style: 128/255 = 0.5019608; (0.5019608 - 0.485) / 0.229 = 0.0740645 (red plane),
    // (0.5019608 - 0.406) / 0.225 = 0.4264924 (blue plane).
    const imagenet = await preprocessForClassifier(
      grey,
      card({ channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
    );
    expect(imagenet).toHaveLength(48);
    expect(imagenet[0]).toBeCloseTo(0.0740645, 5);
    expect(imagenet[47]).toBeCloseTo(0.4264924, 5);
  });

  it("lays out NCHW planes or NHWC pixels, and pads with black when asked to contain", async () => {
    const red = await solidImage([255, 0, 0], 8, 8);
    const nchw = await preprocessForClassifier(red, card({ channels: 3 }));
    const nhwc = await preprocessForClassifier(red, card({ channels: 3, layout: "NHWC" }));
    expect(Array.from(nchw.slice(0, 16))).toEqual(new Array(16).fill(1));
    expect(Array.from(nchw.slice(16))).toEqual(new Array(32).fill(0));
    expect(Array.from(nhwc.slice(0, 6))).toEqual([1, 0, 0, 1, 0, 0]);

    // A white image twice as wide as high, contained in 4x4: rows 0 and 3 are padding.
    const wide = await sharp({
      create: { width: 16, height: 8, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .png()
      .toBuffer();
    const contained = await preprocessForClassifier(wide, card({ resize: "contain" }));
    expect(Array.from(contained)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
});
