import path from "node:path";
import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const fields = z.object({
  DATABASE_URL: z.string().url({ message: "must be a postgresql:// URL" }).optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Root of the image store (cases' images); kept outside the database. */
  BLINDREAD_STORAGE_DIR: z.string().default(".data/images"),
  /** Cases in the demo study. */
  BLINDREAD_DEMO_CASES: z.coerce.number().int().min(2).max(500).default(24),
  BLINDREAD_MODEL_DIR: z.string().default("models/demo-cxr"),
  /** S3-compatible image store: set the bucket to use it instead of BLINDREAD_STORAGE_DIR. */
  BLINDREAD_S3_BUCKET: z.string().min(3).optional(),
  BLINDREAD_S3_ENDPOINT: z
    .string()
    .url({ message: "must be a URL such as http://minio:9000" })
    .optional(),
  BLINDREAD_S3_REGION: z.string().default("us-east-1"),
  BLINDREAD_S3_ACCESS_KEY_ID: z.string().optional(),
  BLINDREAD_S3_SECRET_ACCESS_KEY: z.string().optional(),
  BLINDREAD_S3_FORCE_PATH_STYLE: booleanFlag.default(true),
  BLINDREAD_S3_PREFIX: z.string().default(""),
  /** Folder whose subfolders and zips admins may import from the web page. */
  BLINDREAD_IMPORT_ROOT: z.string().default(".data/import"),
  /** Largest single file (image or manifest) an import accepts. */
  BLINDREAD_IMPORT_MAX_FILE_MB: z.coerce.number().int().min(1).max(100_000).default(512),
  /** Largest dataset (an upload, or a zip once unpacked). */
  BLINDREAD_IMPORT_MAX_TOTAL_MB: z.coerce.number().int().min(1).max(10_000_000).default(51_200),
  /** Images prepared at once during an import; the number of cores by default. */
  BLINDREAD_IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  WORKER_PREFER_CUDA: booleanFlag.default(true),
  WORKER_CUDA_DEVICE_ID: z.coerce.number().int().min(0).default(0),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(256).default(8),
  /** How long a worker waits for a partial batch to fill before running it; 0: at once. */
  WORKER_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** A claimed job not finished within this time is handed to another worker. */
  WORKER_JOB_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** How often each worker looks for jobs to recover (lost sends, vanished workers). */
  WORKER_RECOVERY_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(3_600).default(60),
  /** Hospital single sign-on (OpenID Connect): the issuer, client id and secret, or none of them. */
  BLINDREAD_OIDC_ISSUER: z
    .string()
    .url({
      message: "must be the issuer URL, such as https://sso.example-hospital.org/realms/main",
    })
    .optional(),
  BLINDREAD_OIDC_CLIENT_ID: z.string().min(1).optional(),
  BLINDREAD_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Shown on the sign-in page as "Sign in with <name>". */
  BLINDREAD_OIDC_NAME: z.string().trim().min(1).max(60).default("your hospital account"),
});

const OIDC_KEYS = [
  "BLINDREAD_OIDC_ISSUER",
  "BLINDREAD_OIDC_CLIENT_ID",
  "BLINDREAD_OIDC_CLIENT_SECRET",
] as const;

const schema = fields.superRefine((env, ctx) => {
  const missing = OIDC_KEYS.filter((key) => !env[key]);
  // A half-configured single sign-on would only fail later, at a user's first attempt.
  if (missing.length > 0 && missing.length < OIDC_KEYS.length) {
    for (const key of missing) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `single sign-on needs all of ${OIDC_KEYS.join(", ")} (or none of them)`,
      });
    }
  }
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

function parseEnv(): Env {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment settings:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Validated settings; a bad value stops the process with a message naming the variable. */
export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}

/** Checks the settings without fixing them yet (`npm start` still sets DATABASE_URL after). */
export function checkEnv(): void {
  parseEnv();
}

export function requireDatabaseUrl(): string {
  const url = getEnv().DATABASE_URL;
  if (!url)
    throw new Error(
      "DATABASE_URL is not set (npm start sets it, or starts an embedded PostgreSQL)",
    );
  return url;
}

export function storageRoot(): string {
  return path.resolve(getEnv().BLINDREAD_STORAGE_DIR);
}

/** Single sign-on settings, or null when it is not configured. */
export function oidcSettings(env: Env = getEnv()) {
  const { BLINDREAD_OIDC_ISSUER: issuer, BLINDREAD_OIDC_CLIENT_ID: clientId } = env;
  const clientSecret = env.BLINDREAD_OIDC_CLIENT_SECRET;
  if (!issuer || !clientId || !clientSecret) return null;
  return {
    issuer: issuer.replace(/\/+$/, ""),
    clientId,
    clientSecret,
    name: env.BLINDREAD_OIDC_NAME,
  };
}

export function importRoot(): string {
  return path.resolve(getEnv().BLINDREAD_IMPORT_ROOT);
}
