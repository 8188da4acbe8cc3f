import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { listAuditEvents, verifyAuditChain } from "./verify";

const eventSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  details: z.string(),
  hash: z.string(),
});

export const auditRouter = router({
  list: adminProcedure
    .input(z.object({ limit: z.number().int().min(1).max(1000).default(200) }).optional())
    .output(z.array(eventSchema))
    .query(({ ctx, input }) => listAuditEvents(ctx.db, input?.limit ?? 200)),
  verify: adminProcedure
    .output(
      z.object({
        events: z.number().int(),
        intact: z.boolean(),
        head: z.object({ id: z.string(), hash: z.string() }).nullable(),
        firstBroken: z.object({ id: z.string(), reason: z.string() }).nullable(),
      }),
    )
    .query(({ ctx }) => verifyAuditChain(ctx.db)),
});
