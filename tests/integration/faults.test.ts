/**
 * Faults under load, on loopback: REST readers keep rating while the web server is killed
 * and restarted and the database connection is cut; the app starts with no database and
 * recovers; a worker is killed mid-batch while readers rate. Nothing acknowledged is lost
 * and nothing is stored twice.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/auth/mutations";
import { formatDatabaseUrl, parseDatabaseUrl } from "@/server/db/connection";
import { NORMAL_FINDINGS } from "@/server/demo/findings";
import { renderPhantom } from "@/server/demo/phantom";
import { enqueueReportGeneration, startQueue } from "@/server/jobs/queue";
import { loadStudyRatings } from "@/server/results/ratings";
import {
  ensureProductionBuild,
  freePort,
  startNextServer,
  waitForHealth,
  type AppServer,
} from "./app-server";
import { db, makeStudy, makeUser, openedStudy } from "./helpers";
import { exited, startWorkerProcess, until } from "./processes";
import { TcpProxy } from "./tcp-proxy";

const READERS = 50;
// 50 readers x 120 items: opening this study took longer than Prisma's default 5 s transaction.
const CASES = 60;
const LOAD_SECONDS = 60;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reader {
  userId: string;
  token: string;
  list: string;
}

interface Attempt {
  reader: number;
  itemToken: string;
  level: string;
  key: string;
  acked: boolean;
  tries: number;
}

/** A worker process serving the demo model; a dead worker's jobs come back after 3 s. */
const startWorker = (batchSize: number) =>
  startWorkerProcess({
    batchSize,
    env: { WORKER_JOB_TIMEOUT_SECONDS: "3", WORKER_RECOVERY_INTERVAL_SECONDS: "1" },
  });

/** A study opened for `readers` readers, each with an API token and their list's token. */
async function readersOfNewStudy(readers: number, cases: number) {
  const study = await openedStudy(readers, cases);
  const out: Reader[] = [];
  for (const r of study.readers) {
    const { token } = await createApiToken(db(), { email: r.email });
    const { token: list } = await db().studyReader.findFirstOrThrow({
      where: { userId: r.id, studyId: study.studyId },
      select: { token: true },
    });
    out.push({ userId: r.id, token, list });
  }
  return { studyId: study.studyId, readers: out };
}

/**
 * Readers rating over REST until `until()` says stop: each asks for its next item and rates
 * it with a fresh idempotency key, resending the same request (same key) after an error or
 * a timeout until the server acknowledges it. Never gives up on an item before `giveUpAt`.
 */
function rateUntil(
  origin: () => string,
  readers: Reader[],
  until: () => boolean,
  giveUpAt: () => number,
  pauseMs = 0,
) {
  const attempts: Attempt[] = [];
  const rejections: string[] = [];
  let errors = 0;
  const run = async (reader: Reader, index: number) => {
    const headers = { authorization: `Bearer ${reader.token}`, "content-type": "application/json" };
    let n = 0;
    while (!until()) {
      let next: { done: boolean; item: { itemToken: string } | null } | undefined;
      while (!next && Date.now() < giveUpAt()) {
        try {
          const res = await fetch(`${origin()}/api/v1/reading/${reader.list}/next`, {
            headers,
            signal: AbortSignal.timeout(10_000),
          });
          if (res.ok) next = (await res.json()) as typeof next;
          else {
            await res.arrayBuffer();
            errors++;
          }
        } catch {
          errors++;
        }
        if (!next) await sleep(100 + Math.random() * 200);
      }
      if (!next || next.done || !next.item) return;
      const attempt: Attempt = {
        reader: index,
        itemToken: next.item.itemToken,
        level: "ABCD"[(index + n) % 4]!,
        key: `faults-${index}-${n++}-${randomBytes(4).toString("hex")}`,
        acked: false,
        tries: 0,
      };
      attempts.push(attempt);
      const body = JSON.stringify({ level: attempt.level, idempotencyKey: attempt.key });
      while (!attempt.acked && Date.now() < giveUpAt()) {
        attempt.tries++;
        try {
          const res = await fetch(`${origin()}/api/v1/reading/items/${attempt.itemToken}/rating`, {
            method: "PUT",
            headers,
            body,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          if (res.ok) attempt.acked = true;
          else if (res.status < 500) {
            // A refusal is an answer, not an outage: resending would not change it.
            rejections.push(`${res.status} ${text}`);
            return;
          } else errors++;
        } catch {
          errors++;
        }
        if (!attempt.acked) await sleep(100 + Math.random() * 200);
      }
      if (!attempt.acked) return;
      if (pauseMs) await sleep(pauseMs);
    }
  };
  const done = Promise.all(readers.map((r, i) => run(r, i)));
  return { attempts, rejections, errors: () => errors, done };
}

/** Checks the database holds exactly the attempted ratings: one each, none extra. */
async function expectStoredExactlyOnce(studyId: string, attempts: Attempt[]) {
  const tokens = attempts.map((a) => a.itemToken);
  // One attempt per item: a reader is only given an item it has not rated yet.
  expect(new Set(tokens).size).toBe(attempts.length);
  const items = await db().readingItem.findMany({
    where: { studyId },
    select: {
      id: true,
      token: true,
      rating: { select: { level: true } },
    },
  });
  const byToken = new Map(items.map((i) => [i.token, i]));
  for (const a of attempts) {
    const item = byToken.get(a.itemToken)!;
    expect(item.rating?.level, `rating of ${a.key}`).toBe(a.level);
  }
  // No rating the readers did not send, and one idempotency key per rated item.
  const rated = items.filter((i) => i.rating);
  expect(rated.length).toBe(attempts.length);
  const keys = await db().ratingRequest.findMany({
    where: { item: { studyId } },
    select: { key: true },
  });
  expect(new Set(keys.map((k) => k.key))).toEqual(new Set(attempts.map((a) => a.key)));
  expect(keys.length).toBe(attempts.length);
  // Each rating applied once: one creation event per item, no change events.
  const events = await db().auditEvent.groupBy({
    by: ["action", "subjectId"],
    where: {
      action: { in: ["rating.created", "rating.changed"] },
      subjectId: { in: rated.map((i) => i.id) },
    },
    _count: { _all: true },
  });
  expect(events.filter((e) => e.action === "rating.changed")).toEqual([]);
  expect(events.length).toBe(rated.length);
  expect(events.every((e) => e._count._all === 1)).toBe(true);
  // The results count the same ratings.
  const ratings = await loadStudyRatings(db(), studyId);
  expect(ratings.level.length).toBe(attempts.length);
}

describe("faults under load", () => {
  const proxy = new TcpProxy(parseDatabaseUrl(process.env.DATABASE_URL!));
  let viaProxy: string;
  let storageDir: string;
  const servers: AppServer[] = [];

  beforeAll(async () => {
    await ensureProductionBuild();
    await proxy.listen();
    viaProxy = formatDatabaseUrl({
      ...parseDatabaseUrl(process.env.DATABASE_URL!),
      host: "127.0.0.1",
      port: proxy.port,
    });
    storageDir = process.env.BLINDREAD_STORAGE_DIR!;
  }, 600_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await proxy.close();
  });

  it("keeps every rating exactly once while the web server restarts and the database drops", async () => {
    const { studyId, readers } = await readersOfNewStudy(READERS, CASES);
    const port = await freePort();
    let app = await startNextServer({ port, databaseUrl: viaProxy, storageDir });
    servers.push(app);
    expect(await waitForHealth(app.origin, 30_000)).toBe(true);

    const started = Date.now();
    const stopAt = started + LOAD_SECONDS * 1000;
    const load = rateUntil(
      () => app.origin,
      readers,
      () => Date.now() > stopAt,
      // After the load window, in-flight ratings get 60 s more to be acknowledged.
      () => stopAt + 60_000,
    );
    const sleepUntil = (t: number) => sleep(Math.max(0, t - Date.now()));

    // 15 s in: the web server crashes (SIGKILL, requests in flight unanswered) and restarts.
    await sleepUntil(started + 15_000);
    const ackedBeforeCrash = load.attempts.filter((a) => a.acked).length;
    await app.kill();
    app = await startNextServer({ port, databaseUrl: viaProxy, storageDir });
    servers.push(app);

    // 35 s in: every database connection is reset and new ones refused for 4 s.
    await sleepUntil(started + 35_000);
    const connectionsBefore = proxy.accepted;
    await proxy.cut();
    await sleep(1_000);
    const healthDuringCut = await fetch(`${app.origin}/api/health`, {
      signal: AbortSignal.timeout(5_000),
    });
    const healthBody = (await healthDuringCut.json()) as { reason?: string };
    await sleep(3_000);
    await proxy.restore();

    await load.done;
    const finishedAt = Date.now();
    expect(await waitForHealth(app.origin, 10_000)).toBe(true);

    // The faults happened while readers were rating, and the app reconnected through the proxy.
    // More ratings than readers before the crash: it hit a server under load, not an idle one.
    expect(ackedBeforeCrash).toBeGreaterThan(READERS);
    expect(healthDuringCut.status).toBe(503);
    expect(healthBody.reason).toBeTruthy();
    expect(proxy.accepted).toBeGreaterThan(connectionsBefore);
    expect(load.errors()).toBeGreaterThan(0);

    expect(load.rejections).toEqual([]);
    // Every rating attempted was eventually acknowledged (clients retried with the same key).
    expect(load.attempts.filter((a) => !a.acked)).toEqual([]);
    await expectStoredExactlyOnce(studyId, load.attempts);
    console.log(
      `faults: ${load.attempts.length} ratings by ${READERS} readers in ${((finishedAt - started) / 1000).toFixed(0)} s, ` +
        `${load.errors()} failed requests retried, ${load.attempts.filter((a) => a.tries > 1).length} ratings resent`,
    );
  }, 240_000);

  it("starts without its database, answers 503 with a reason, and recovers when it comes back", async () => {
    const { readers } = await readersOfNewStudy(1, 2);
    // A second proxy that is closed from the start: connects to it are refused.
    const gate = new TcpProxy(parseDatabaseUrl(process.env.DATABASE_URL!));
    await gate.listen();
    await gate.cut();
    try {
      const app = await startNextServer({
        port: await freePort(),
        databaseUrl: formatDatabaseUrl({
          ...parseDatabaseUrl(process.env.DATABASE_URL!),
          host: "127.0.0.1",
          port: gate.port,
        }),
        storageDir,
      });
      servers.push(app);
      const down = await fetch(`${app.origin}/api/health`);
      expect(down.status).toBe(503);
      // The reason the route gives for a refused connection (app/api/health/route.ts).
      expect(await down.json()).toMatchObject({
        status: "unavailable",
        reason: "cannot connect to the database server",
      });
      const headers = { authorization: `Bearer ${readers[0]!.token}` };
      const next = () =>
        fetch(`${app.origin}/api/v1/reading/${readers[0]!.list}/next`, { headers });
      expect((await next()).status).toBeGreaterThanOrEqual(500);

      // The database comes back: the same process serves again, with no restart.
      await gate.restore();
      expect(await waitForHealth(app.origin, 15_000)).toBe(true);
      const served = await next();
      expect(served.status).toBe(200);
      expect(await served.json()).toMatchObject({ done: false });
      expect(app.child.exitCode).toBeNull();
    } finally {
      await gate.close();
    }
  }, 60_000);

  it("ends with one report per case when a worker is killed mid-batch while readers rate", async () => {
    const CASES_FOR_WORKERS = 40;
    const owner = await makeUser("READER");
    // Full-size phantoms: decoding them makes batches long enough to be caught mid-way.
    const image = await renderPhantom({ seed: 9, findings: NORMAL_FINDINGS });
    const generating = await makeStudy({
      readerIds: [owner.id],
      cases: Array.from({ length: CASES_FOR_WORKERS }, () => ({ imageBytes: image })),
    });
    const { studyId, readers } = await readersOfNewStudy(20, 40);
    const app = await startNextServer({
      port: await freePort(),
      databaseUrl: process.env.DATABASE_URL!,
      storageDir,
    });
    servers.push(app);
    expect(await waitForHealth(app.origin, 30_000)).toBe(true);

    const boss = await startQueue(process.env.DATABASE_URL!);
    await enqueueReportGeneration(boss, db(), generating.generationJobIds);
    await boss.stop({ graceful: false, wait: true });

    let jobsDone = false;
    const started = Date.now();
    const giveUpAt = started + 150_000;
    // Readers pause 300 ms between ratings, leaving the two cores some room for the workers.
    const load = rateUntil(
      () => app.origin,
      readers,
      () => jobsDone,
      () => giveUpAt,
      300,
    );
    let loadEnded = false;
    void load.done.then(() => (loadEnded = true));
    // The workers start once the readers are being served.
    await until(async () => load.attempts.filter((x) => x.acked).length >= 20, 60_000, "ratings");
    const a = startWorker(8);
    const b = startWorker(2);
    const jobsOf = (status: "RUNNING" | "SUCCEEDED", worker?: string) =>
      db().generationJob.count({
        where: {
          id: { in: generating.generationJobIds },
          status,
          ...(worker ? { worker } : {}),
        },
      });
    try {
      await until(async () => (await jobsOf("RUNNING", a.worker)) > 0, 60_000, "worker A").catch(
        (e: Error) => {
          throw new Error(`${e.message}; worker A said:\n${a.output()}\nB said:\n${b.output()}`);
        },
      );
      a.child.kill("SIGKILL");
      const ratedAtKill = load.attempts.filter((x) => x.acked).length;
      const loadEndedAtKill = loadEnded;
      const killedAt = Date.now();
      expect((await exited(a.child)).signal).toBe("SIGKILL");
      expect(await jobsOf("RUNNING", a.worker)).toBeGreaterThan(0);

      // B finishes everything, A's abandoned jobs included once their timeout passes.
      await until(
        async () => (await jobsOf("SUCCEEDED")) === CASES_FOR_WORKERS,
        90_000,
        "every job to succeed",
      ).catch(async (e: Error) => {
        const states = await db().generationJob.groupBy({
          by: ["status", "worker"],
          where: { id: { in: generating.generationJobIds } },
          _count: { _all: true },
        });
        throw new Error(
          `${e.message}; jobs: ${JSON.stringify(states)}; ratings: ${load.attempts.length}; worker B said:\n${b.output()}`,
        );
      });
      jobsDone = true;
      const doneAt = Date.now();
      await load.done;
      console.log(
        `faults/worker: A killed after ${((killedAt - started) / 1000).toFixed(1)} s, ` +
          `all jobs done after ${((doneAt - started) / 1000).toFixed(1)} s; ` +
          `${ratedAtKill} ratings at the kill, ${load.attempts.length} in all, ${load.errors()} failed requests`,
      );

      const reports = await db().report.groupBy({
        by: ["caseId"],
        where: { case: { studyId: generating.studyId }, source: "AI" },
        _count: { _all: true },
      });
      expect(reports).toHaveLength(CASES_FOR_WORKERS);
      expect(reports.filter((r) => r._count._all !== 1)).toEqual([]);

      // Readers were rating before and after the kill, and nothing they sent was lost.
      expect(ratedAtKill).toBeGreaterThan(0);
      expect(loadEndedAtKill).toBe(false);
      expect(load.rejections).toEqual([]);
      expect(load.attempts.filter((x) => !x.acked)).toEqual([]);
      await expectStoredExactlyOnce(studyId, load.attempts);

      const stopping = exited(b.child);
      b.child.kill("SIGTERM");
      expect(await stopping).toEqual({ code: 0, signal: null });
    } finally {
      for (const w of [a, b])
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    }
  }, 180_000);
});
