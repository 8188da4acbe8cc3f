import { statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AutoImageProcessor,
  AutoModelForVision2Seq,
  AutoTokenizer,
  cat,
  env,
  RawImage,
  type PreTrainedModel,
  type Tensor,
} from "@huggingface/transformers";
import sharp from "sharp";
import { z } from "zod";
import { loadOnProvider } from "./provider";
import { generateStrict, ImageDecodeError, type LoadOptions, type ReportModel } from "./types";

/**
 * Image-to-text models: a VisionEncoderDecoder exported by Hugging Face Optimum
 * (encoder_model.onnx, decoder_model_merged.onnx or decoder_model.onnx, tokenizer.json,
 * preprocessor_config.json, generation_config.json, config.json), run by
 * @huggingface/transformers on onnxruntime-node, offline.
 */

export interface ImageToTextOptions extends LoadOptions {
  name: string;
  version: string;
  sha256: string;
  /** The registered generation parameters; they override generation_config.json key by key. */
  parameters?: Record<string, unknown>;
}

const generationConfigFile = z.record(z.string(), z.unknown());

/** Token ids that end a sequence: generation_config.json's, else config.json's. */
const eosIds = (value: unknown): Set<number> =>
  new Set(
    (Array.isArray(value) ? value : [value]).filter((v): v is number => typeof v === "number"),
  );

/** The parts of the transformers.js model this loader touches beyond its typed surface. */
interface Seq2SeqInternals {
  sessions: Record<string, { inputNames: string[] }>;
  _update_model_kwargs_for_generation(args: unknown): Record<string, unknown>;
}

/**
 * transformers.js reads a model from `<localModelPath>/<id>/` and wants the decoder named
 * decoder_model_merged.onnx and a tokenizer_config.json; Optimum exports without a cache have
 * only decoder_model.onnx, and the layout does not require tokenizer_config.json. A private
 * folder of links to the model's files (plus an empty tokenizer_config.json where there is
 * none) gives it what it wants without touching the model folder.
 */
async function stageFolder(folder: string): Promise<{ root: string; id: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "blindread-model-"));
  const id = "model";
  const dir = path.join(root, id);
  await mkdir(dir);
  const names = (await readdir(folder)).filter((n) => statSync(path.join(folder, n)).isFile());
  for (const name of names) await symlink(path.join(folder, name), path.join(dir, name));
  if (!names.includes("decoder_model_merged.onnx")) {
    await symlink(
      path.join(folder, "decoder_model.onnx"),
      path.join(dir, "decoder_model_merged.onnx"),
    );
  }
  if (!names.includes("tokenizer_config.json")) {
    await writeFile(path.join(dir, "tokenizer_config.json"), "{}");
  }
  return { root, id };
}

async function decode(image: Buffer): Promise<RawImage> {
  try {
    const { data, info } = await sharp(image)
      .rotate()
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    return new RawImage(new Uint8ClampedArray(data), info.width, info.height, info.channels as 1);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ImageDecodeError(`The image could not be decoded: ${reason}`, { cause: err });
  }
}

/** transformers.js reads its settings (env) from one global object: load one model at a time. */
let loading: Promise<unknown> = Promise.resolve();

export function loadImageToTextModel(
  folder: string,
  opts: ImageToTextOptions,
): Promise<ReportModel<Tensor>> {
  const next = loading.then(() => load(folder, opts));
  loading = next.catch(() => undefined);
  return next;
}

async function load(folder: string, opts: ImageToTextOptions): Promise<ReportModel<Tensor>> {
  const label = `${opts.name} ${opts.version}`;
  const fileConfig = generationConfigFile.parse(
    JSON.parse(await readFile(path.join(folder, "generation_config.json"), "utf8")),
  );
  const overrides = opts.parameters ?? {};
  const effective = { ...fileConfig, ...overrides };
  if (typeof effective.num_beams === "number" && effective.num_beams > 1) {
    // transformers.js 4.3 has a beam-search sampler but its generate loop keeps one
    // hypothesis per input, so this is what really happens; better said than recorded wrongly.
    opts.log?.(
      `${label}: num_beams ${effective.num_beams} is decoded greedily (@huggingface/transformers does not implement beam search)`,
    );
  }

  const staged = await stageFolder(folder);
  // Nothing is ever downloaded: a file missing here is an error, not a fetch.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = staged.root;
  env.useFSCache = false;
  const local = { local_files_only: true } as const;

  try {
    const { value: model, provider } = await loadOnProvider(label, opts, (p) =>
      AutoModelForVision2Seq.from_pretrained(staged.id, {
        ...local,
        // Optimum puts the ONNX files at the top of the folder, not under onnx/.
        subfolder: "",
        dtype: "fp32",
        device: p,
        session_options:
          p === "cuda"
            ? {
                executionProviders: [{ name: "cuda", deviceId: opts.deviceId ?? 0 }],
                logSeverityLevel: 4,
              }
            : { executionProviders: ["cpu"] },
      }),
    );
    const tokenizer = await AutoTokenizer.from_pretrained(staged.id, local);
    const processor = await AutoImageProcessor.from_pretrained(staged.id, local);

    const internals = model as unknown as Seq2SeqInternals;
    const decoder = internals.sessions.decoder_model_merged;
    if (decoder && !decoder.inputNames.some((n) => n.startsWith("past_key_values"))) {
      // A decoder without a cache must see the whole sequence at every step; transformers.js
      // would otherwise feed it only the last token, as if it kept past keys and values.
      const update = internals._update_model_kwargs_for_generation.bind(model);
      internals._update_model_kwargs_for_generation = (args) => {
        const next = update(args);
        delete next.past_key_values;
        return next;
      };
    }
    const config = model.config as unknown as Record<string, unknown>;
    const eos = eosIds(effective.eos_token_id ?? config.eos_token_id);

    const prepare = (images: Buffer[]) =>
      Promise.all(
        images.map(async (image): Promise<Tensor | ImageDecodeError> => {
          let raw: RawImage;
          try {
            raw = await decode(image);
          } catch (error) {
            if (error instanceof ImageDecodeError) return error;
            throw error;
          }
          const { pixel_values } = (await processor(raw)) as { pixel_values: Tensor };
          return pixel_values;
        }),
      );

    const infer = async (batch: Tensor[]): Promise<string[]> => {
      if (batch.length === 0) return [];
      const inputs = batch.length === 1 ? batch[0]! : cat(batch, 0);
      const output = (await (model as PreTrainedModel).generate({
        inputs,
        generation_config: overrides,
      } as unknown as Parameters<PreTrainedModel["generate"]>[0])) as Tensor;
      const rows = output.tolist() as bigint[][];
      return rows.map((row) => {
        // The first id is the decoder's start token. In a batch every row runs until the
        // longest is done, so a row's tokens after its own end-of-sequence are not its text.
        const generated = row.slice(1).map(Number);
        const end = generated.findIndex((id) => eos.has(id));
        const ids = end < 0 ? generated : generated.slice(0, end);
        return tokenizer.decode(ids, { skip_special_tokens: true }).trim();
      });
    };

    return {
      kind: "IMAGE_TO_TEXT",
      name: opts.name,
      version: opts.version,
      sha256: opts.sha256,
      provider,
      parameters: effective,
      prepare,
      infer,
      generate: (images) => generateStrict({ prepare, infer }, images),
      async close() {
        await (model as PreTrainedModel).dispose();
        await rm(staged.root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(staged.root, { recursive: true, force: true });
    throw error;
  }
}
