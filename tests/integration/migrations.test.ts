import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createDatabase,
  dropDatabase,
  listPendingMigrations,
  withDatabase,
} from "@/server/db/admin";
import { parseDatabaseUrl } from "@/server/db/connection";

describe("migrations", () => {
  const committed = readdirSync("prisma/migrations", { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

  it("reports nothing pending on the migrated test database", async () => {
    await expect(listPendingMigrations(process.env.DATABASE_URL!)).resolves.toEqual([]);
  });

  it("reports every committed migration pending on an empty database", async () => {
    const url = process.env.DATABASE_URL!;
    const name = `blindread_empty_${randomBytes(4).toString("hex")}`;
    const server = parseDatabaseUrl(url);
    await createDatabase(server, name);
    try {
      expect(committed.length).toBeGreaterThan(0);
      await expect(listPendingMigrations(withDatabase(url, name))).resolves.toEqual(committed);
    } finally {
      await dropDatabase(server, name);
    }
  });
});
