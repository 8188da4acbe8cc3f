import type { TestProject } from "vitest/node";
import { createScratchDatabase } from "../../server/db/scratch";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** One fresh, migrated database for the run, dropped at the end. */
export default async function setup(project: TestProject) {
  const database = await createScratchDatabase("blindread_test");
  project.provide("databaseUrl", database.url);
  return () => database.dispose();
}
