import { TRPCError } from "@trpc/server";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createInnerContext,
  publicProcedure,
  router,
  createCallerFactory,
} from "@/server/api/trpc";
import { appRouter } from "@/server/api/root";
import { createPrismaClient, isUniqueViolation, isDatabaseUnavailable } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { db, makeUser } from "./helpers";

// A router of its own, so each error path is exercised on purpose.
const testRouter = router({
  badOutput: publicProcedure
    .output(z.object({ ok: z.boolean() }))
    .query(() => ({ ok: "yes" }) as unknown as { ok: boolean }),
  badInput: publicProcedure.input(z.object({ n: z.number().int() })).query(() => "never"),
  domainParse: publicProcedure.query(() =>
    z.object({ level: z.enum(["A", "B"]) }).parse({ level: "E" }),
  ),
  appError: publicProcedure.query(() => {
    throw new AppError("CONFLICT", "Already finished", "detail for the log");
  }),
  crash: publicProcedure.query(() => {
    throw new Error("secret internal detail");
  }),
});
const caller = createCallerFactory(testRouter)(createInnerContext({ userId: null }));

async function errorOf(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    return error as TRPCError;
  }
  throw new Error("expected an error");
}

describe("error mapping", () => {
  it("reports a response that fails its output schema as a logged server error, without detail", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const error = await errorOf(caller.badOutput());
    expect(error.code).toBe("INTERNAL_SERVER_ERROR");
    expect(error.message).toBe("Something went wrong; it has been logged");
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });

  it("reports invalid input, from tRPC or a domain function, as a bad request", async () => {
    expect((await errorOf(caller.badInput({ n: 1.5 }))).code).toBe("BAD_REQUEST");
    expect((await errorOf(caller.domainParse())).code).toBe("BAD_REQUEST");
  });

  it("passes product errors through with their code and message, and hides anything else", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const conflict = await errorOf(caller.appError());
    expect([conflict.code, conflict.message]).toEqual(["CONFLICT", "Already finished"]);
    expect(warn).toHaveBeenCalledWith("[api] appError: detail for the log");
    warn.mockRestore();
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const crash = await errorOf(caller.crash());
    expect(crash.code).toBe("INTERNAL_SERVER_ERROR");
    expect(crash.message).not.toContain("secret");
    log.mockRestore();
  });

  it("answers 503 when the database cannot be reached, so clients retry", async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused.
    const unreachable = createPrismaClient("postgresql://postgres@127.0.0.1:1/nothing");
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const outage = await errorOf(
      createCallerFactory(appRouter)(
        createInnerContext({ userId: "someone", db: unreachable }),
      ).reading.list(),
    );
    log.mockRestore();
    expect(outage.code).toBe("SERVICE_UNAVAILABLE");
    expect(outage.message).toBe("The database is not reachable just now; try again in a moment");
    await unreachable.$disconnect();
  });

  it("tells an outage from a failed query", async () => {
    const refused = await createPrismaClient("postgresql://postgres@127.0.0.1:1/nothing")
      .$queryRaw`SELECT 1`.catch((e: unknown) => e);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    const user = await makeUser("READER");
    const duplicate = await db()
      .user.create({ data: { email: user.email, name: "x", passwordHash: "x", role: "READER" } })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    expect(isDatabaseUnavailable(new Error("anything else"))).toBe(false);
  });
});
