import { adminProcedure, router } from "../api/trpc";
import { getCachedStudyResults } from "./cache";
import { resultsInput, studyResultsSchema } from "./schema";

export const resultsRouter = router({
  get: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/studies/{id}/results",
        protect: true,
        summary:
          "Success rates of a study per source, with Wilson 95% intervals and per-reader rates",
        tags: ["results"],
      },
    })
    .input(resultsInput)
    .output(studyResultsSchema)
    .query(({ ctx, input }) =>
      getCachedStudyResults(ctx.db, input.id, { replicates: input.replicates }),
    ),
});
