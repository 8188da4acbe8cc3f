import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { studyIdInput } from "../studies/schema";
import { listExportRecords } from "./data";

export const exportsRouter = router({
  list: adminProcedure
    .input(studyIdInput)
    .output(
      z.array(
        z.object({
          actor: z.string(),
          channel: z.string(),
          format: z.string(),
          createdAt: z.string(),
        }),
      ),
    )
    .query(({ ctx, input }) => listExportRecords(ctx.db, input.id)),
});
