import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError } from "zod";
import { getActiveUser, resolveApiToken } from "../auth/data";
import type { SessionUser } from "../auth/schema";
import { getDb, isDatabaseUnavailable, type Db } from "../db/client";
import { AppError, type AppErrorCode } from "../errors";

/** Who is calling: a signed-in user id, a user id behind an API token, or nobody. */
export interface InnerContext {
  db: Db;
  userId: string | null;
}

export function createInnerContext(opts: { userId: string | null; db?: Db }): InnerContext {
  return { db: opts.db ?? getDb(), userId: opts.userId };
}

/**
 * Context for HTTP requests: a Bearer API token wins, else the next-auth session.
 * `getSessionUserId` is injected so this module stays free of next-auth's runtime.
 */
export async function createRequestContext(
  req: Request,
  getSessionUserId: () => Promise<string | null>,
): Promise<InnerContext> {
  const db = getDb();
  const authorization = req.headers.get("authorization");
  if (authorization?.toLowerCase().startsWith("bearer ")) {
    const userId = await resolveApiToken(db, authorization.slice(7).trim());
    return { db, userId };
  }
  return { db, userId: await getSessionUserId() };
}

const toTrpcCode: Record<AppErrorCode, TRPCError["code"]> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

const t = initTRPC
  .meta<OpenApiMeta>()
  .context<InnerContext>()
  .create({
    errorFormatter({ shape, error }) {
      const zodError =
        error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause : null;
      return {
        ...shape,
        message: zodError
          ? zodError.issues
              .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
              .join("; ")
          : shape.message,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus },
      };
    },
  });

/** Maps product errors to tRPC in one place; anything unexpected is logged and hidden. */
const errorMapping = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) {
      if (cause.logDetail) console.warn(`[api] ${path}: ${cause.logDetail}`);
      throw new TRPCError({ code: toTrpcCode[cause.code], message: cause.message, cause });
    }
    // Input that failed validation (tRPC's or a domain function's) is the caller's to fix; a
    // response that fails its output schema is our bug, and its detail must not reach them.
    const isOutputFailure = result.error.message === "Output validation failed";
    if (cause instanceof ZodError && !isOutputFailure) {
      throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid input", cause });
    }
    // An outage of the database is temporary: say so (503), so clients retry rather than give up.
    if (isDatabaseUnavailable(cause)) {
      console.error(`[api] ${path}: the database is unavailable:`, (cause as Error).message);
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: "The database is not reachable just now; try again in a moment",
      });
    }
    if (result.error.code === "INTERNAL_SERVER_ERROR") {
      console.error(`[api] ${path} failed:`, cause ?? result.error);
      throw new TRPCError({
        code: "INTERNAL_SERVER_ERROR",
        message: "Something went wrong; it has been logged",
      });
    }
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(errorMapping);

export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  // Re-read on every call, so a deactivated user or changed role takes effect at once.
  const user: SessionUser | null = ctx.userId ? await getActiveUser(ctx.db, ctx.userId) : null;
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in" });
  return next({ ctx: { ...ctx, user } });
});

export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "ADMIN") throw new TRPCError({ code: "FORBIDDEN", message: "Admins only" });
  return next();
});

export const readerProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "READER")
    throw new TRPCError({ code: "FORBIDDEN", message: "Readers only" });
  return next();
});
