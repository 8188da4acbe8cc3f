import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BRIGHT_REPORT,
  DARK_REPORT,
  flatImage,
  writeImageToTextModel,
} from "../../tests/fixtures/image-to-text-model";
import { loadImageToTextModel } from "./image-to-text";
import { ImageDecodeError, type ReportModel } from "./types";

const CUDA_LIB = fileURLToPath(
  new URL(
    `../../node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/libonnxruntime_providers_cuda.so`,
    import.meta.url,
  ),
);
const identity = { name: "tiny-i2t", version: "1", sha256: "not checked here" };

let folder: string;
let model: ReportModel;
let white: Buffer;
let black: Buffer;
const logs: string[] = [];

beforeAll(async () => {
  folder = await writeImageToTextModel();
  model = await loadImageToTextModel(folder, { ...identity, log: (m) => logs.push(m) });
  [white, black] = await Promise.all([flatImage(255), flatImage(0)]);
});
afterAll(async () => {
  await model.close();
  await rm(folder, { recursive: true, force: true });
});

describe("image-to-text model", () => {
  it("decodes the sentence its construction implies for each image, in a batch or alone", async () => {
    // tests/fixtures/image-to-text-model.ts: a white image drives the encoder output to ~1
    // and selects the BRIGHT table, a black one ~0 and the DARK table; greedy decoding then
    // spells out each table's sentence. The batch mixes lengths (9 and 12 words), so the
    // shorter row must be cut at its own end-of-sequence.
    expect(await model.generate([white, black, white])).toEqual([
      BRIGHT_REPORT,
      DARK_REPORT,
      BRIGHT_REPORT,
    ]);
    expect(await model.generate([black])).toEqual([DARK_REPORT]);
    expect(await model.generate([])).toEqual([]);
  });

  it("takes its decoding settings from generation_config.json, overridden by the registered parameters", async () => {
    // generation_config.json of the fixture: max_new_tokens 24, num_beams 1, do_sample false.
    expect(model.parameters).toMatchObject({ max_new_tokens: 24, num_beams: 1, do_sample: false });
    const short = await loadImageToTextModel(folder, {
      ...identity,
      preferCuda: false,
      parameters: { max_new_tokens: 3 },
    });
    try {
      expect(short.parameters).toMatchObject({ max_new_tokens: 3, num_beams: 1 });
      // Three new tokens: the first three words of each sentence.
      expect(await short.generate([white, black])).toEqual([
        "Findings: Large right",
        "Findings: The lungs",
      ]);
    } finally {
      await short.close();
    }
  });

  it("loads a merged decoder and a folder with tokenizer_config.json alike", async () => {
    const other = await writeImageToTextModel(undefined, {
      decoderFile: "decoder_model_merged.onnx",
      tokenizerConfig: true,
    });
    const merged = await loadImageToTextModel(other, { ...identity, preferCuda: false });
    try {
      expect(await merged.generate([black, white])).toEqual([DARK_REPORT, BRIGHT_REPORT]);
    } finally {
      await merged.close();
      await rm(other, { recursive: true, force: true });
    }
  });

  it("returns an ImageDecodeError in place of an undecodable image, keeping the others", async () => {
    const prepared = await model.prepare([white, Buffer.from("not an image"), black]);
    expect(prepared[1]).toBeInstanceOf(ImageDecodeError);
    expect((prepared[1] as Error).message).toMatch(/could not be decoded/);
    expect(await model.infer([prepared[0], prepared[2]])).toEqual([BRIGHT_REPORT, DARK_REPORT]);
    await expect(model.generate([Buffer.from("x")])).rejects.toBeInstanceOf(ImageDecodeError);
  });

  it("falls back to CPU with one log line when CUDA cannot be used", () => {
    if (existsSync(CUDA_LIB) && model.provider === "cuda") {
      expect(logs).toEqual([]);
      return;
    }
    expect(model.provider).toBe("cpu");
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/CUDA execution provider unavailable.*tiny-i2t 1 on CPU/);
  });
});
