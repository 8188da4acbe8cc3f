import { z } from "zod";
import { adminProcedure, protectedProcedure, router } from "../api/trpc";
import {
  listUsers,
  setActiveInput,
  setRoleInput,
  setUserActive,
  setUserRole,
  signOutEverywhere,
  userRowSchema,
} from "./users";

const done = z.object({ updated: z.literal(true) });

export const usersRouter = router({
  list: adminProcedure.output(z.array(userRowSchema)).query(({ ctx }) => listUsers(ctx.db)),
  setActive: adminProcedure
    .input(setActiveInput)
    .output(done)
    .mutation(({ ctx, input }) => setUserActive(ctx.db, input, ctx.user.id)),
  setRole: adminProcedure
    .input(setRoleInput)
    .output(done)
    .mutation(({ ctx, input }) => setUserRole(ctx.db, input, ctx.user.id)),
  /** Any signed-in user, for themselves: every session of theirs ends. */
  signOutEverywhere: protectedProcedure
    .output(z.object({ signedOut: z.literal(true) }))
    .mutation(({ ctx }) => signOutEverywhere(ctx.db, ctx.user.id, ctx.user.id)),
});
