import { auditRouter } from "../audit/router";
import { qaRouter } from "../audits/router";
import { usersRouter } from "../auth/router";
import { exportsRouter } from "../exports/router";
import { importsRouter } from "../ingest/router";
import { jobsRouter } from "../jobs/router";
import { modelsRouter } from "../models/router";
import { readingRouter } from "../reading/router";
import { resultsRouter } from "../results/router";
import { studiesRouter } from "../studies/router";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  studies: studiesRouter,
  reading: readingRouter,
  results: resultsRouter,
  exports: exportsRouter,
  jobs: jobsRouter,
  models: modelsRouter,
  imports: importsRouter,
  audit: auditRouter,
  users: usersRouter,
  qa: qaRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
