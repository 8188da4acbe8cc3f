import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ExecutionProvider, LoadOptions } from "./types";

/**
 * onnxruntime-node loads its CUDA provider from the folder of its own native binding; the npm
 * package does not ship it (a GPU host installs it there, see the README). Knowing it is
 * absent up front avoids a failing native load that prints a multi-line error of its own.
 */
export function cudaProviderLibrary(): { path: string; present: boolean } | null {
  if (process.platform !== "linux" && process.platform !== "win32") return null;
  try {
    const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
    const dir = path.join(
      path.dirname(entry),
      "..",
      "bin",
      "napi-v6",
      process.platform,
      process.arch,
    );
    const file =
      process.platform === "win32"
        ? "onnxruntime_providers_cuda.dll"
        : "libonnxruntime_providers_cuda.so";
    const full = path.join(dir, file);
    return { path: full, present: existsSync(full) };
  } catch {
    return null;
  }
}

/**
 * Loads with the CUDA execution provider when asked for and it loads, else with the CPU one,
 * saying why in one log line. `label` names the model in that line.
 */
export async function loadOnProvider<T>(
  label: string,
  opts: LoadOptions,
  load: (provider: ExecutionProvider) => Promise<T>,
): Promise<{ value: T; provider: ExecutionProvider }> {
  const preferCuda = opts.preferCuda ?? true;
  const lib = cudaProviderLibrary();
  if (preferCuda && lib && !lib.present) {
    opts.log?.(
      `CUDA execution provider unavailable (${lib.path} is not installed); running ${label} on CPU`,
    );
  } else if (preferCuda) {
    try {
      return { value: await load("cuda"), provider: "cuda" };
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0]?.trim();
      opts.log?.(
        `CUDA execution provider unavailable (${reason || "unknown reason"}); running ${label} on CPU`,
      );
    }
  }
  return { value: await load("cpu"), provider: "cpu" };
}
