import { z } from "zod";
import { readerProcedure, router } from "../api/trpc";
import { getReaderItem, listReaderStudies } from "./data";
import { finishReading, rateItem } from "./mutations";
import {
  finishOutput,
  getItemInput,
  rateItemInput,
  rateItemOutput,
  readerItemSchema,
  readerStudySchema,
  studyTokenInput,
} from "./schema";

/** Reader-facing procedures: every one declares its output, which is where blinding holds. */
export const readingRouter = router({
  list: readerProcedure
    .output(z.array(readerStudySchema))
    .query(({ ctx }) => listReaderStudies(ctx.db, ctx.user.id)),
  get: readerProcedure
    .input(getItemInput)
    .output(readerItemSchema)
    .query(({ ctx, input }) =>
      getReaderItem(ctx.db, ctx.user.id, input.studyToken, input.position),
    ),
  rate: readerProcedure
    .input(rateItemInput)
    .output(rateItemOutput)
    .mutation(({ ctx, input }) => rateItem(ctx.db, ctx.user.id, input)),
  finish: readerProcedure
    .input(studyTokenInput)
    .output(finishOutput)
    .mutation(({ ctx, input }) => finishReading(ctx.db, ctx.user.id, input.studyToken)),
});
