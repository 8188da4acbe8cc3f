import { z } from "zod";

/**
 * Jobs shared by the web app (which enqueues) and the worker (which runs them). Payloads
 * are parsed when a job runs, because queued jobs outlive code changes.
 */
export const generateReportJob = {
  /** One queue per model, so a worker only ever claims jobs for the model it has loaded. */
  queueFor: (modelId: string) => `generate-report.${modelId}`,
  version: 1,
  payload: z.object({ generationJobId: z.string().min(1) }),
  retryLimit: 3,
} as const;

export type GenerateReportPayload = z.infer<typeof generateReportJob.payload>;
