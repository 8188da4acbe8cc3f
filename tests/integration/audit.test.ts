import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { PrismaClient } from "@prisma/client";
import { describe, expect, it } from "vitest";
import { createApiToken, revokeApiToken } from "@/server/auth/mutations";
import { recordAudit } from "@/server/audit/record";
import { verifyAuditChain } from "@/server/audit/verify";
import { createDatabase, dropDatabase, migrateDatabase, withDatabase } from "@/server/db/admin";
import { createPrismaClient } from "@/server/db/client";
import { parseDatabaseUrl } from "@/server/db/connection";
import { exportStudy } from "@/server/exports/mutations";
import { db, makeUser, openedStudy, readAll } from "./helpers";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";

const exec = promisify(execFile);

describe("the audit trail", () => {
  it("records rating changes, study changes, exports and token use", async () => {
    const study = await openedStudy(1, 2);
    const reader = study.readers[0]!;
    const { items } = await readAll(reader.id);
    const as = createCaller(createInnerContext({ userId: reader.id }));
    await as.reading.rate({ itemToken: items[0]!.itemToken, level: "B" });
    await as.reading.rate({ itemToken: items[0]!.itemToken, level: "C" });
    const admin = await makeUser("ADMIN");
    await exportStudy(
      db(),
      { studyId: study.studyId, format: "csv" },
      { userId: admin.id, actor: admin.email, channel: "web" },
    );
    const token = await createApiToken(db(), { email: admin.email });
    await revokeApiToken(db(), token.prefix);

    const itemId = (
      await db().readingItem.findUniqueOrThrow({ where: { token: items[0]!.itemToken } })
    ).id;
    const ratingEvents = await db().auditEvent.findMany({
      where: { subjectId: itemId },
      orderBy: { id: "asc" },
    });
    expect(
      ratingEvents.map((e) => [
        e.action,
        JSON.parse(e.details).level,
        JSON.parse(e.details).previous,
      ]),
    ).toEqual([
      ["rating.created", "B", null],
      ["rating.changed", "C", "B"],
    ]);
    expect(ratingEvents.every((e) => e.actor === reader.id)).toBe(true);
    const studyEvents = await db().auditEvent.findMany({
      where: { subjectId: study.studyId },
      orderBy: { id: "asc" },
    });
    expect(studyEvents.map((e) => e.action)).toEqual([
      "study.created",
      "study.opened",
      "export.unblinded",
    ]);
    const tokenEvents = await db().auditEvent.findMany({
      where: { subjectId: token.id },
      orderBy: { id: "asc" },
    });
    expect(tokenEvents.map((e) => e.action)).toEqual(["token.created", "token.revoked"]);
    // Every event is chained to the one before it.
    expect(ratingEvents[1]!.prevHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses updates and deletes, even by the application's own connection", async () => {
    await recordAudit(db(), {
      actor: "cli",
      action: "user.created",
      details: { note: "append-only check" },
    });
    await expect(db().$executeRaw`UPDATE audit_events SET actor = 'someone else'`).rejects.toThrow(
      /append-only/,
    );
    await expect(db().$executeRaw`DELETE FROM audit_events`).rejects.toThrow(/append-only/);
    await expect(db().$executeRaw`TRUNCATE audit_events`).rejects.toThrow(/append-only/);
  });

  it("detects a changed and a removed event, in the admin view and with npx blindread audit verify", async () => {
    // A database of its own: tampering needs the triggers switched off, as an attacker with
    // full control of the server would do.
    const url = process.env.DATABASE_URL!;
    const server = parseDatabaseUrl(url);
    const name = `blindread_audit_${randomBytes(4).toString("hex")}`;
    await createDatabase(server, name);
    const tamperUrl = withDatabase(url, name);
    await migrateDatabase(tamperUrl);
    const client: PrismaClient = createPrismaClient(tamperUrl);
    const cli = async () => {
      try {
        const { stdout } = await exec("node", ["bin/blindread.mjs", "audit", "verify"], {
          env: { ...process.env, DATABASE_URL: tamperUrl },
        });
        return { code: 0, out: stdout };
      } catch (error) {
        const e = error as { code: number; stderr: string };
        return { code: e.code, out: e.stderr };
      }
    };
    try {
      for (let i = 0; i < 5; i++) {
        await recordAudit(client, {
          actor: "cli",
          action: "study.created",
          subjectId: `s${i}`,
          details: { i },
        });
      }
      // Many transactions appending at once still make one unbroken chain.
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          client.$transaction(async (tx) => {
            await recordAudit(tx, { actor: "cli", action: "rating.created", subjectId: `c${i}` });
          }),
        ),
      );
      const clean = await verifyAuditChain(client);
      expect(clean).toMatchObject({ events: 35, intact: true, firstBroken: null });
      const first = await cli();
      expect(first.code).toBe(0);
      expect(first.out).toBe(
        `audit trail intact: 35 events, every link and hash verified\nhead: event ${clean.head!.id} ${clean.head!.hash}\n`,
      );

      await client.$executeRawUnsafe(
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
      );
      await client.$executeRaw`UPDATE audit_events SET details = '{"i":99}' WHERE subject_id = 's2'`;
      const changed = await verifyAuditChain(client);
      const third = await client.auditEvent.findFirstOrThrow({ where: { subjectId: "s2" } });
      expect(changed.firstBroken).toEqual({
        id: third.id.toString(),
        reason: expect.stringContaining("was changed"),
      });
      const out = await cli();
      expect(out.code).toBe(1);
      expect(out.out).toContain(`audit trail broken at event ${third.id}`);

      // Put it back, then remove an event instead: the next one no longer links.
      await client.$executeRaw`UPDATE audit_events SET details = '{"i":2}' WHERE subject_id = 's2'`;
      expect((await verifyAuditChain(client)).intact).toBe(true);
      await client.$executeRaw`DELETE FROM audit_events WHERE subject_id = 's3'`;
      const fourth = await client.auditEvent.findFirstOrThrow({ where: { subjectId: "s4" } });
      expect((await verifyAuditChain(client)).firstBroken).toEqual({
        id: fourth.id.toString(),
        reason: expect.stringContaining("was removed or inserted"),
      });
    } finally {
      await client.$disconnect();
      await dropDatabase(server, name);
    }
  });
});
