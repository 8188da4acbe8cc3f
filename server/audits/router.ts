import { z } from "zod";
import { adminProcedure, router } from "../api/trpc";
import { getAuditDashboard, listAudits } from "./data";
import { createAudit, setAuditModel } from "./mutations";
import { auditIdInput, createAuditInput, setAuditModelInput } from "./schema";

/** Ongoing QA audits of deployed models (admins only; reviewers read through `reading`). */
export const qaRouter = router({
  list: adminProcedure.query(({ ctx }) => listAudits(ctx.db)),
  get: adminProcedure
    .input(auditIdInput)
    .query(({ ctx, input }) => getAuditDashboard(ctx.db, input.id)),
  create: adminProcedure
    .input(createAuditInput)
    .output(z.object({ id: z.string(), studyId: z.string(), webhookSecret: z.string().nullable() }))
    .mutation(({ ctx, input }) => createAudit(ctx.db, input, ctx.user.id)),
  setModel: adminProcedure
    .input(setAuditModelInput)
    .output(z.object({ updated: z.literal(true) }))
    .mutation(({ ctx, input }) => setAuditModel(ctx.db, input, ctx.user.id)),
});
