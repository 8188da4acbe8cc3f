import { afterEach, describe, expect, it } from "vitest";
import { GET } from "@/app/api/health/route";
import { createPrismaClient, getDb } from "@/server/db/client";

const holder = globalThis as unknown as { blindreadPrisma?: ReturnType<typeof getDb> };

describe("GET /api/health", () => {
  const original = getDb();
  afterEach(() => {
    holder.blindreadPrisma = original;
  });

  it("answers 200 with status ok when the database is reachable", async () => {
    const res = await GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("answers 503 when the database is not reachable", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    holder.blindreadPrisma = createPrismaClient("postgresql://postgres@127.0.0.1:1/nothing");
    const res = await GET();
    expect(res.status).toBe(503);
    // A refused connection is reported as such, without the host (the endpoint is public).
    expect(await res.json()).toEqual({
      status: "unavailable",
      database: "unreachable",
      reason: "cannot connect to the database server",
    });
  });
});
