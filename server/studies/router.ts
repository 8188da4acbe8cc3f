import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { getStudyDetail, listStudies } from "./data";
import { openStudy } from "./mutations";
import { studyDetailSchema, studyIdInput, studySummarySchema } from "./schema";

export const studiesRouter = router({
  list: adminProcedure.output(z.array(studySummarySchema)).query(({ ctx }) => listStudies(ctx.db)),
  get: adminProcedure
    .input(studyIdInput)
    .output(studyDetailSchema)
    .query(({ ctx, input }) => getStudyDetail(ctx.db, input.id)),
  open: adminProcedure
    .input(studyIdInput)
    .output(z.object({ opened: z.boolean(), items: z.number().int() }))
    .mutation(({ ctx, input }) => openStudy(ctx.db, input.id)),
});
