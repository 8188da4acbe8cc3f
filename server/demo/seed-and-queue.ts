import { getDb } from "../db/client";
import { getEnv, requireDatabaseUrl } from "../env";
import { enqueueReportGeneration, startQueue } from "../jobs/queue";
import { seedDemo } from "./seed";

/** Seeds the demo if it is not there yet and puts its report-generation jobs on the queue. */
export async function seedDemoAndEnqueue(log: (line: string) => void): Promise<void> {
  const env = getEnv();
  const db = getDb();
  const boss = await startQueue(requireDatabaseUrl());
  try {
    const result = await seedDemo(db, {
      cases: env.BLINDREAD_DEMO_CASES,
      modelDir: env.BLINDREAD_MODEL_DIR,
      includeCorruptCase: true,
    });
    if (result.created) {
      await enqueueReportGeneration(boss, db, result.generationJobIds);
      log(`demo seeded: ${env.BLINDREAD_DEMO_CASES} cases; the worker is writing their AI reports`);
    } else {
      log("demo already present; nothing to do");
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await db.$disconnect();
  }
}
