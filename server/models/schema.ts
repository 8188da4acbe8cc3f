import { z } from "zod";

/** Kinds a worker serves; an admin registers these with their files. */
export const servedKindSchema = z.enum(["FINDINGS_CLASSIFIER", "IMAGE_TO_TEXT"]);
export type ServedKind = z.infer<typeof servedKindSchema>;
/** EXTERNAL models only name the source of reports imported with a dataset. */
export const modelKindSchema = z.enum(["FINDINGS_CLASSIFIER", "IMAGE_TO_TEXT", "EXTERNAL"]);
export type ModelKind = z.infer<typeof modelKindSchema>;

export const modelNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._-]+$/, {
    message: "use letters, digits, '.', '_' and '-' only",
  });

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

export const addModelInput = z.object({
  name: modelNameSchema,
  version: z.string().trim().min(1).max(50),
  kind: servedKindSchema,
  /** Folder on the server (or worker hosts) holding the model's files. */
  path: z.string().trim().min(1).max(1000),
  parameters: z.record(z.string(), jsonValue).default({}),
});
export type AddModelInput = z.input<typeof addModelInput>;

export const modelSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  kind: modelKindSchema,
  path: z.string(),
  sha256: z.string(),
  isDemo: z.boolean(),
  parameters: z.record(z.string(), z.unknown()),
  reports: z.number().int(),
  createdAt: z.string(),
});

/** Files each kind needs in its folder (Hugging Face Optimum layout for image-to-text). */
export const REQUIRED_FILES: Record<ServedKind, (string | string[])[]> = {
  FINDINGS_CLASSIFIER: ["model.onnx", "model.json"],
  IMAGE_TO_TEXT: [
    "encoder_model.onnx",
    ["decoder_model_merged.onnx", "decoder_model.onnx"],
    "tokenizer.json",
    "preprocessor_config.json",
    "generation_config.json",
    "config.json",
  ],
};
