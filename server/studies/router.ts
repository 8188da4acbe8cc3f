import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { getStudyDetail, getStudyFormOptions, listStudies } from "./data";
import { createStudy, openStudy, updateStudyDesign } from "./mutations";
import {
  createStudyInput,
  studyDetailSchema,
  studyFormOptionsSchema,
  studyIdInput,
  studySummarySchema,
  updateDesignInput,
} from "./schema";

export const studiesRouter = router({
  list: adminProcedure.output(z.array(studySummarySchema)).query(({ ctx }) => listStudies(ctx.db)),
  get: adminProcedure
    .input(studyIdInput)
    .output(studyDetailSchema)
    .query(({ ctx, input }) => getStudyDetail(ctx.db, input.id)),
  /** Readers and served models to choose from when creating a study. */
  formOptions: adminProcedure
    .output(studyFormOptionsSchema)
    .query(({ ctx }) => getStudyFormOptions(ctx.db)),
  create: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/studies",
        protect: true,
        tags: ["studies"],
        summary: "Create a draft study (cases are then added or imported)",
      },
    })
    .input(createStudyInput)
    .output(z.object({ id: z.string(), seed: z.number().int() }))
    .mutation(({ ctx, input }) => createStudy(ctx.db, input, ctx.user.id)),
  updateDesign: adminProcedure
    .input(updateDesignInput)
    .output(z.object({ updated: z.literal(true) }))
    .mutation(({ ctx, input }) => updateStudyDesign(ctx.db, input, ctx.user.id)),
  open: adminProcedure
    .input(studyIdInput)
    .output(z.object({ opened: z.boolean(), items: z.number().int() }))
    .mutation(({ ctx, input }) => openStudy(ctx.db, input.id, ctx.user.id)),
});
