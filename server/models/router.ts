import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { listModels } from "./data";
import { addModel } from "./mutations";
import { addModelInput, modelSchema } from "./schema";

export const modelsRouter = router({
  list: adminProcedure.output(z.array(modelSchema)).query(({ ctx }) => listModels(ctx.db)),
  add: adminProcedure
    .input(addModelInput)
    .output(z.object({ id: z.string(), name: z.string(), version: z.string(), sha256: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { id, name, version, sha256 } = await addModel(ctx.db, input);
      return { id, name, version, sha256 };
    }),
});
