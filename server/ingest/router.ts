import path from "node:path";
import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { importRoot } from "../env";
import { AppError } from "../errors";
import { enqueueReportGeneration } from "../jobs/queue";
import { getQueueSender } from "../jobs/sender";
import { studyIdInput } from "../studies/schema";
import { getImport, listHeldCases, listImports, listImportSources } from "./data";
import { createImportJob, executeImportInBackground, type Enqueue } from "./jobs";
import { discardHeldCase, releaseHeldCase } from "./review";
import {
  folderImportInput,
  heldCaseSchema,
  importDetailSchema,
  importSourceSchema,
  importSummarySchema,
} from "./schema";
import { openDataset } from "./source";
import type { Db } from "../db/client";

export function webEnqueue(db: Db): Enqueue {
  return async (ids) => enqueueReportGeneration(await getQueueSender(), db, ids);
}

const caseIdInput = z.object({ caseId: z.string().min(1).max(64) });

export const importsRouter = router({
  list: adminProcedure
    .input(studyIdInput)
    .output(z.array(importSummarySchema))
    .query(({ ctx, input }) => listImports(ctx.db, input.id)),
  get: adminProcedure
    .input(z.object({ importId: z.string().min(1).max(64) }))
    .output(importDetailSchema)
    .query(async ({ ctx, input }) => {
      const found = await getImport(ctx.db, input.importId);
      if (!found) throw new AppError("NOT_FOUND", "Import not found");
      return found;
    }),
  sources: adminProcedure
    .output(z.object({ root: z.string(), entries: z.array(importSourceSchema) }))
    .query(async () => ({ root: importRoot(), entries: await listImportSources() })),
  startFromFolder: adminProcedure
    .input(folderImportInput)
    .output(z.object({ importId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const sources = await listImportSources();
      if (!sources.some((s) => s.name === input.name)) {
        throw new AppError("NOT_FOUND", `${input.name} is not in the import folder`);
      }
      const importId = await createImportJob(ctx.db, {
        studyId: input.studyId,
        userId: ctx.userId,
        origin: "folder",
        sourceName: input.name,
        options: input,
      });
      const location = path.join(importRoot(), input.name);
      executeImportInBackground(ctx.db, importId, () => openDataset(location), webEnqueue(ctx.db));
      return { importId };
    }),
  held: adminProcedure
    .input(studyIdInput)
    .output(z.array(heldCaseSchema))
    .query(({ ctx, input }) => listHeldCases(ctx.db, input.id)),
  release: adminProcedure
    .input(caseIdInput)
    .output(z.object({ queued: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const ids = await releaseHeldCase(ctx.db, input.caseId, ctx.user.id);
      await webEnqueue(ctx.db)(ids);
      return { queued: ids.length };
    }),
  discard: adminProcedure
    .input(caseIdInput)
    .output(z.object({ discarded: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await discardHeldCase(ctx.db, input.caseId, ctx.user.id);
      return { discarded: true as const };
    }),
});
