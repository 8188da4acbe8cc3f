import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as imageRoute } from "@/app/api/images/[token]/route";
import { GET as restHandler } from "@/app/api/v1/[...path]/route";
import { createCaller } from "@/server/api/root";
import { createApiToken } from "@/server/auth/mutations";
import { createInnerContext } from "@/server/api/trpc";
import { orderReadingItems } from "@/server/studies/assignment";
import { db, makeUser, openedStudy, readAll } from "./helpers";

const as = (userId: string) => createCaller(createInnerContext({ userId }));

describe("blinded reading", () => {
  let study: Awaited<ReturnType<typeof openedStudy>>;
  beforeAll(async () => {
    study = await openedStudy(2, 6);
  });

  it("gives each reader every report once, in a seeded order that never puts one image's reports side by side", async () => {
    for (const reader of study.readers) {
      const { list, items } = await readAll(reader.id);
      expect(list.total).toBe(12);
      expect(items.map((i) => i.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const rows = await db().readingItem.findMany({
        where: { token: { in: items.map((i) => i.itemToken) } },
        select: { token: true, report: { select: { caseId: true } } },
      });
      const caseOf = new Map(rows.map((r) => [r.token, r.report.caseId]));
      for (let i = 1; i < items.length; i++) {
        expect(caseOf.get(items[i]!.itemToken)).not.toBe(caseOf.get(items[i - 1]!.itemToken));
      }
    }
  });

  it("can rebuild every reader's order from the recorded seed", async () => {
    const cases = await db().case.findMany({
      where: { studyId: study.studyId },
      orderBy: { id: "asc" },
      select: { id: true, reports: { orderBy: { id: "asc" }, select: { id: true } } },
    });
    const reports = cases.flatMap((c) => c.reports.map((r) => ({ reportId: r.id, caseId: c.id })));
    const readers = await db().studyReader.findMany({
      where: { studyId: study.studyId },
      select: {
        orderSeed: true,
        items: { orderBy: { position: "asc" }, select: { reportId: true } },
      },
    });
    expect(readers).toHaveLength(2);
    for (const reader of readers) {
      expect(reader.orderSeed).not.toBeNull();
      expect(orderReadingItems(reports, reader.orderSeed!)).toEqual(
        reader.items.map((i) => i.reportId),
      );
    }
  });

  it("sends readers nothing that names or hints at a report's source", async () => {
    const { items } = await readAll(study.readers[0]!.id);
    const modelRow = await db().aiModel.findUniqueOrThrow({ where: { id: study.modelId } });
    const ids = (
      await db().report.findMany({
        where: { case: { studyId: study.studyId } },
        select: { id: true, caseId: true },
      })
    ).flatMap((r) => [r.id, r.caseId]);
    for (const item of items) {
      // The whole contract of what a reader's browser may receive (server/reading/schema.ts).
      expect(Object.keys(item).sort()).toEqual([
        "canChange",
        "canFinish",
        "canGoBack",
        "comment",
        "fields",
        "flags",
        "image16Url",
        "imageUrl",
        "itemToken",
        "position",
        "rated",
        "rating",
        "report",
        "scale",
        "total",
        "window16",
      ]);
      const json = JSON.stringify(item);
      for (const forbidden of [
        modelRow.name,
        modelRow.version,
        modelRow.id,
        study.studyId,
        "GROUND_TRUTH",
        "cpu",
        ...ids,
      ]) {
        expect(json).not.toContain(forbidden);
      }
      expect(item.imageUrl).toBe(`/api/images/${item.itemToken}`);
    }
  });

  it("stores one rating however often it is submitted, and lets the reader change it until finishing", async () => {
    const reader = study.readers[1]!;
    const [list] = await as(reader.id).reading.list();
    const first = await as(reader.id).reading.get({ studyToken: list!.studyToken, position: 1 });
    await Promise.all([
      as(reader.id).reading.rate({ itemToken: first.itemToken, level: "B" }),
      as(reader.id).reading.rate({ itemToken: first.itemToken, level: "B" }),
      as(reader.id).reading.rate({ itemToken: first.itemToken, level: "B" }),
    ]);
    await as(reader.id).reading.rate({ itemToken: first.itemToken, level: "C" });
    const ratings = await db().rating.findMany({ where: { item: { token: first.itemToken } } });
    expect(ratings).toHaveLength(1);
    expect(ratings[0]!.level).toBe("C");
  });

  it("keeps the largest active time the browser reported, so retries never add time twice", async () => {
    const reader = study.readers[0]!;
    const [list] = await as(reader.id).reading.list();
    const item = await as(reader.id).reading.get({ studyToken: list!.studyToken, position: 3 });
    const stored = async () =>
      (await db().rating.findFirstOrThrow({ where: { item: { token: item.itemToken } } })).activeMs;
    await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "A", activeMs: 5_000 });
    await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "A", activeMs: 5_000 });
    expect(await stored()).toBe(5_000);
    await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "B", activeMs: 7_500 });
    expect(await stored()).toBe(7_500);
    // After a reload the browser starts counting from zero again.
    await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "B", activeMs: 1_000 });
    expect(await stored()).toBe(7_500);
    await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "B" });
    expect(await stored()).toBe(7_500);
  });

  it("rejects a rating outside the scale or for someone else's item, storing nothing", async () => {
    const [r1, r2] = study.readers;
    const [list] = await as(r1!.id).reading.list();
    const item = await as(r1!.id).reading.get({ studyToken: list!.studyToken, position: 2 });
    const inStudy = { where: { item: { studyId: study.studyId } } };
    const before = await db().rating.count(inStudy);
    await expect(
      as(r1!.id).reading.rate({ itemToken: item.itemToken, level: "E" as "A" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      as(r2!.id).reading.rate({ itemToken: item.itemToken, level: "A" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "This item is not in your reading list",
    });
    await expect(as(r2!.id).reading.get({ studyToken: list!.studyToken })).rejects.toBeInstanceOf(
      TRPCError,
    );
    expect(await db().rating.count(inStudy)).toBe(before);
  });

  it("keeps readers out of admin procedures, checked on the server", async () => {
    const reader = study.readers[0]!;
    await expect(as(reader.id).studies.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as(reader.id).results.get({ id: study.studyId })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(as(reader.id).studies.open({ id: study.studyId })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const anonymous = createCaller(createInnerContext({ userId: null }));
    await expect(anonymous.reading.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anonymous.results.get({ id: study.studyId })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("takes effect at once when a user is deactivated", async () => {
    const s = await openedStudy(1, 2);
    const reader = s.readers[0]!;
    await expect(as(reader.id).reading.list()).resolves.toHaveLength(1);
    await db().user.update({ where: { id: reader.id }, data: { isActive: false } });
    await expect(as(reader.id).reading.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("results", () => {
  it("counts ratings per source with Wilson intervals and per-reader rates", async () => {
    const s = await openedStudy(2, 5);
    const admin = await makeUser("ADMIN");
    // Reader 1 rates every ground-truth report A and every AI report D; reader 2 rates
    // ground truth B and AI C. Expected counts follow from that plan alone.
    for (const [index, reader] of s.readers.entries()) {
      const { items } = await readAll(reader.id);
      const rows = await db().readingItem.findMany({
        where: { token: { in: items.map((i) => i.itemToken) } },
        select: { token: true, report: { select: { source: true } } },
      });
      const sourceOf = new Map(rows.map((r) => [r.token, r.report.source]));
      for (const item of items) {
        const isGt = sourceOf.get(item.itemToken) === "GROUND_TRUTH";
        const level = index === 0 ? (isGt ? "A" : "D") : isGt ? "B" : "C";
        await as(reader.id).reading.rate({ itemToken: item.itemToken, level });
      }
    }
    const results = await as(admin.id).results.get({ id: s.studyId });
    expect(results.totalRatings).toBe(20);
    const gt = results.sources.find((x) => x.source === "GROUND_TRUTH")!;
    const ai = results.sources.find((x) => x.source === "AI")!;
    expect(gt.counts).toEqual({ A: 5, B: 5, C: 0, D: 0 });
    expect(ai.counts).toEqual({ A: 0, B: 0, C: 5, D: 5 });
    expect(gt.success).toMatchObject({ successes: 10, n: 10, estimate: 1 });
    expect(gt.stringent).toMatchObject({ successes: 5, n: 10, estimate: 0.5 });
    expect(ai.success).toMatchObject({ successes: 0, n: 10, estimate: 0 });
    // Wilson 95% for 10/10: [0.7225, 1] (SciPy, see server/results/stats/wilson.test.ts).
    expect(gt.success.lower).toBeCloseTo(0.7225, 3);
    expect(gt.perReader.map((r) => r.success.estimate)).toEqual([1, 1]);
    expect(ai.perReader.map((r) => r.success.n)).toEqual([5, 5]);
    expect(ai.label).toContain("demo model");
  });

  it("gives defined results before any rating", async () => {
    const s = await openedStudy(1, 2);
    const admin = await makeUser("ADMIN");
    const results = await as(admin.id).results.get({ id: s.studyId });
    expect(results.totalRatings).toBe(0);
    for (const source of results.sources) {
      expect(source.success).toEqual({
        successes: 0,
        n: 0,
        estimate: null,
        lower: null,
        upper: null,
      });
    }
  });

  it("locks ratings once a reader finishes, and refuses to finish early", async () => {
    const s = await openedStudy(1, 2);
    const reader = s.readers[0]!;
    const { list, items } = await readAll(reader.id);
    await expect(
      as(reader.id).reading.finish({ studyToken: list.studyToken }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    for (const item of items)
      await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "A" });
    await as(reader.id).reading.finish({ studyToken: list.studyToken });
    await expect(
      as(reader.id).reading.rate({ itemToken: items[0]!.itemToken, level: "D" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const item = await as(reader.id).reading.get({ studyToken: list.studyToken, position: 1 });
    expect(item.canChange).toBe(false);
    expect(item.rating).toBe("A");
  });
});

describe("idempotent saves, comments and flags, and reading over REST", () => {
  let study: Awaited<ReturnType<typeof openedStudy>>;
  beforeAll(async () => {
    study = await openedStudy(1, 3);
  });

  it("applies a save once per idempotency key, so a late resend cannot undo a newer rating", async () => {
    const reader = study.readers[0]!;
    const { items } = await readAll(reader.id);
    const itemToken = items[0]!.itemToken;
    const first = await as(reader.id).reading.rate({
      itemToken,
      level: "A",
      idempotencyKey: "key-first-0001",
    });
    expect(first.replayed).toBe(false);
    await as(reader.id).reading.rate({ itemToken, level: "C", idempotencyKey: "key-second-0002" });
    // The first save arrives again (an offline queue resending): it changes nothing.
    const resend = await as(reader.id).reading.rate({
      itemToken,
      level: "A",
      idempotencyKey: "key-first-0001",
    });
    expect(resend.replayed).toBe(true);
    const row = await db().rating.findFirstOrThrow({ where: { item: { token: itemToken } } });
    expect(row.level).toBe("C");
    expect(await db().ratingRequest.count({ where: { item: { token: itemToken } } })).toBe(2);
  });

  it("stores a comment and error flags, and returns them to their reader only", async () => {
    const reader = study.readers[0]!;
    const { items } = await readAll(reader.id);
    const itemToken = items[1]!.itemToken;
    await as(reader.id).reading.rate({
      itemToken,
      level: "C",
      comment: "Effusion size understated.",
      flags: ["wrong_severity"],
    });
    const again = await as(reader.id).reading.get({
      studyToken: (await as(reader.id).reading.list())[0]!.studyToken,
      position: 2,
    });
    expect(again).toMatchObject({
      rating: "C",
      comment: "Effusion size understated.",
      flags: ["wrong_severity"],
    });
    await expect(
      as(reader.id).reading.rate({ itemToken, level: "C", flags: ["made_up" as "other"] }),
    ).rejects.toThrow();
  });

  it("serves the next item and takes ratings over REST with an API token", async () => {
    const reader = study.readers[0]!;
    const { token } = await createApiToken(db(), { email: reader.email });
    const [list] = await as(reader.id).reading.list();
    const call = (method: string, path: string, body?: unknown) =>
      restHandler(
        new Request(`http://127.0.0.1/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    let rated = 0;
    for (;;) {
      const res = await call("GET", `/reading/${list!.studyToken}/next`);
      expect(res.status).toBe(200);
      const next = (await res.json()) as {
        done: boolean;
        item: { itemToken: string; report: string; scale: unknown[]; imageUrl: string } | null;
      };
      if (next.done) break;
      expect(next.item!.scale).toHaveLength(4);
      // The image answers the same token for an API client.
      const image = await imageRoute(
        new Request(`http://127.0.0.1${next.item!.imageUrl}`, {
          headers: { authorization: `Bearer ${token}` },
        }),
        { params: Promise.resolve({ token: next.item!.itemToken }) },
      );
      expect(image.status).toBe(200);
      const put = await call("PUT", `/reading/items/${next.item!.itemToken}/rating`, {
        level: "B",
        idempotencyKey: `rest-${rated}-abcdef`,
      });
      expect(put.status).toBe(200);
      rated++;
      expect(rated).toBeLessThanOrEqual(6);
    }
    // Two items were rated by the earlier tests; the rest by this loop.
    expect(rated).toBe(4);
    const missingKey = await call("PUT", `/reading/items/${list!.studyToken}/rating`, {
      level: "B",
    });
    expect(missingKey.status).toBe(400);
  });
});
