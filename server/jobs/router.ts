import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { studyIdInput } from "../studies/schema";
import { getGenerationProgress } from "./data";
import { requeueFailedJobs } from "./mutations";
import { enqueueReportGeneration } from "./queue";
import { getQueueSender } from "./sender";

const progressSchema = z.array(
  z.object({
    model: z.object({ name: z.string(), version: z.string() }),
    queued: z.number().int(),
    running: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    perSecond: z.number().nullable(),
    secondsLeft: z.number().nullable(),
    failures: z.array(
      z.object({
        caseId: z.string(),
        attempts: z.number().int(),
        reason: z.string(),
        at: z.string().nullable(),
      }),
    ),
  }),
);

export const jobsRouter = router({
  progress: adminProcedure
    .input(studyIdInput)
    .output(progressSchema)
    .query(({ ctx, input }) => getGenerationProgress(ctx.db, input.id)),
  retryFailed: adminProcedure
    .input(studyIdInput)
    .output(z.object({ requeued: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const ids = await requeueFailedJobs(ctx.db, input.id);
      await enqueueReportGeneration(await getQueueSender(), ctx.db, ids);
      return { requeued: ids.length };
    }),
});
