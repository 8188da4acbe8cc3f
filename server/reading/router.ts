import { z } from "zod";
import { readerProcedure, router } from "../api/trpc";
import { getNextItem, getReaderItem, listReaderStudies } from "./data";
import { finishReading, rateItem } from "./mutations";
import {
  finishOutput,
  getItemInput,
  nextItemInput,
  nextItemSchema,
  putRatingInput,
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
  /** For alternative reading clients and load tests; the same blinding as the pages. */
  next: readerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/reading/{studyId}/next",
        protect: true,
        tags: ["reading"],
        summary: "The next unrated item of a reading list (studyId is the list's token)",
      },
    })
    .input(nextItemInput)
    .output(nextItemSchema)
    .query(({ ctx, input }) => getNextItem(ctx.db, ctx.user.id, input.studyId)),
  putRating: readerProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/reading/items/{token}/rating",
        protect: true,
        tags: ["reading"],
        summary: "Rate an item; a resend with the same idempotency key changes nothing",
      },
    })
    .input(putRatingInput)
    .output(rateItemOutput)
    .mutation(({ ctx, input }) => {
      const { token, ...rest } = input;
      return rateItem(ctx.db, ctx.user.id, { ...rest, itemToken: token });
    }),
  finish: readerProcedure
    .input(studyTokenInput)
    .output(finishOutput)
    .mutation(({ ctx, input }) => finishReading(ctx.db, ctx.user.id, input.studyToken)),
});
