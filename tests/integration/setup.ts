import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";

// Each test file gets the run's fresh database and an image store of its own.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.BLINDREAD_STORAGE_DIR = mkdtempSync(path.join(os.tmpdir(), "blindread-store-"));
