import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PHI } from "../fixtures/dicom";
import { dicomCase, pngWithMetadata } from "../fixtures/datasets";
import { db, makeUser } from "./helpers";
import { multipartRequest } from "./multipart";

// Route handlers run outside Next.js here: callers authenticate with API tokens only.
vi.mock("@/server/auth/request", () => ({ getSessionUserId: async () => null }));

const { createApiToken } = await import("@/server/auth/mutations");
const { createAudit, decideSample, queuePendingReviews, setAuditModel } =
  await import("@/server/audits/mutations");
const { deliverDueAlerts, evaluateDueAudits } = await import("@/server/audits/alerts");
const { getAuditDashboard } = await import("@/server/audits/data");
const { auditPolicySchema } = await import("@/server/audits/schema");
const { getReaderItem } = await import("@/server/reading/data");
const { rateItem } = await import("@/server/reading/mutations");
const { exportStudy } = await import("@/server/exports/mutations");
const intakeRoute = await import("@/app/api/v1/audits/[id]/cases/route");

const BASE = "http://127.0.0.1:3000";
const MODEL = "cxr-reporter";

/** A loopback webhook receiver that refuses its first delivery (to prove the retry). */
function startReceiver() {
  const received: { headers: Record<string, string>; body: string; answered: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const answered = received.length === 0 ? 503 : 204;
      received.push({ headers: req.headers as Record<string, string>, body, answered });
      res.writeHead(answered).end();
    });
  });
  return new Promise<{ url: string; received: typeof received; server: Server }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/blindread`,
        received,
        server,
      }),
    ),
  );
}

// Mondays (UTC) of six consecutive weeks; cases are reported on the Wednesday of each.
const WEEKS = [0, 1, 2, 3, 4, 5].map((w) => new Date(Date.UTC(2026, 8, 7 + 7 * w)));
const wednesday = (week: number, i: number) =>
  new Date(WEEKS[week]!.getTime() + 2 * 86_400_000 + i * 60_000).toISOString();

// The model's quality drops from week 4 (index 3), when version 2.0 goes live, and is mended
// in week 6 (index 5) by version 2.1. The degraded model calls a pneumothorax on every image.
const versionOf = (week: number) => (week < 3 ? "1.0" : week < 5 ? "2.0" : "2.1");
const aiTextOf = (week: number, i: number) =>
  week >= 3 && week < 5
    ? `Findings: Large left pneumothorax. Impression: Pneumothorax, case ${i}.`
    : `Findings: Lungs are clear. Impression: No acute abnormality, case ${i}.`;

describe("QA audits", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let auditId: string;
  let secret: string;
  let token: string;
  const reviewers: Awaited<ReturnType<typeof makeUser>>[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    const admin = await makeUser("ADMIN");
    token = (await createApiToken(db(), { email: admin.email })).token;
    for (let i = 0; i < 3; i++) reviewers.push(await makeUser("READER"));
    const created = await createAudit(
      db(),
      {
        name: "Chest X-ray reporter, live audit",
        modelName: MODEL,
        reviewerIds: reviewers.map((r) => r.id),
        policy: {
          sampleRate: 0.5,
          includeFlagged: true,
          reviewsPerCase: 2,
          reviewDays: 7,
          alert: { rule: "threshold", period: "week", threshold: 0.7, minRatings: 4 },
          webhookUrl: receiver.url,
        },
      },
      admin.id,
    );
    auditId = created.id;
    secret = created.webhookSecret!;
  });

  afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

  async function send(fields: Record<string, unknown>, image: Buffer, name = "image.png") {
    const form = new FormData();
    form.append("case", JSON.stringify(fields));
    form.append("image", new Blob([new Uint8Array(image)]), name);
    const res = await intakeRoute.POST(
      await multipartRequest(`${BASE}/api/v1/audits/${auditId}/cases`, form, {
        authorization: `Bearer ${token}`,
      }),
      { params: Promise.resolve({ id: auditId }) },
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /**
   * Every reviewer works through their queue, judging each report by its text alone; then the
   * web process's background round (server/audits/loop.ts) judges the audit.
   */
  async function reviewAll() {
    for (const reviewer of reviewers) {
      const [list] = await db().studyReader.findMany({
        where: { userId: reviewer.id, study: { audit: { id: auditId } } },
        select: { token: true },
      });
      for (;;) {
        const item = await getReaderItem(db(), reviewer.id, list!.token);
        if (item.rated === item.total) break;
        // A reviewer rejects a report that calls a pneumothorax the radiologist did not see.
        const level = /pneumothorax/i.test(item.report) ? "D" : "A";
        await rateItem(db(), reviewer.id, { itemToken: item.itemToken, level, activeMs: 4_000 });
      }
    }
    expect(await evaluateDueAudits(db())).toBeGreaterThanOrEqual(1);
  }

  it("samples at intake, queues sampled cases blind, and alerts once when the model drops", async () => {
    const sampledPerWeek: number[] = [];
    for (let week = 0; week < 5; week++) {
      let sampled = 0;
      for (let i = 0; i < 8; i++) {
        const accession = `ACC-${week}-${i}`;
        const { status, body } = await send(
          {
            accession,
            report: `Findings: Lungs are clear. Impression: No acute abnormality, case ${i}.`,
            ai_report: { model: MODEL, version: versionOf(week), text: aiTextOf(week, i) },
            // Two flagged cases a week: always reviewed, so every week is judged.
            flagged: i < 2,
            reported_at: wednesday(week, i),
          },
          await pngWithMetadata(week * 10 + i),
        );
        expect(status, JSON.stringify(body)).toBe(201);
        expect(body.draw).toBeGreaterThanOrEqual(0);
        expect(body.draw).toBeLessThan(1);
        // The recorded decision follows from the recorded draw and the policy's share.
        expect(body.sampled).toBe(i < 2 || (body.draw as number) < 0.5);
        expect(body.reason).toBe(i < 2 ? "flagged" : body.sampled ? "random" : "not sampled");
        if (body.sampled) sampled++;
      }
      sampledPerWeek.push(sampled);
      // These examinations were reported weeks ago: past the 7-day deadline, every sampled
      // case of the week is overdue until reviewed.
      expect((await getAuditDashboard(db(), auditId)).counts.overdue).toBe(sampled);
      // Reviews follow the stream, week by week.
      await reviewAll();
      const alerts = await db().auditAlert.findMany({ where: { programId: auditId } });
      // Weeks 1-3 are perfect; week 4 (index 3) is the first below the 70% threshold.
      expect(alerts).toHaveLength(week < 3 ? 0 : 1);
    }

    const [alert, ...others] = await db().auditAlert.findMany({ where: { programId: auditId } });
    expect(others).toEqual([]);
    // The breach began in week 4 and ran through week 5: one alert, keyed to week 4.
    expect(alert!.periodStart.toISOString()).toBe(WEEKS[3]!.toISOString());
    expect(alert!.periodEnd.toISOString()).toBe(WEEKS[5]!.toISOString());

    // Sampled cases entered the queues as two blinded items each (AI and radiologist report),
    // for two reviewers; unsampled ones did not.
    const totalSampled = sampledPerWeek.reduce((a, b) => a + b, 0);
    const items = await db().readingItem.count({ where: { study: { audit: { id: auditId } } } });
    expect(items).toBe(totalSampled * 2 * 2);

    // Delivery: the receiver refuses the first attempt, the retry after the backoff succeeds.
    expect(await deliverDueAlerts(db(), { baseDelayMs: 100 })).toBe(0);
    let row = await db().auditAlert.findUniqueOrThrow({ where: { id: alert!.id } });
    expect(row).toMatchObject({ delivery: "PENDING", attempts: 1 });
    expect(row.lastError).toContain("503");
    await new Promise((r) => setTimeout(r, 150));
    expect(await deliverDueAlerts(db(), { baseDelayMs: 100 })).toBe(1);
    row = await db().auditAlert.findUniqueOrThrow({ where: { id: alert!.id } });
    expect(row).toMatchObject({ delivery: "DELIVERED", attempts: 2 });
    expect(receiver.received.map((r) => r.answered)).toEqual([503, 204]);
    for (const delivery of receiver.received) {
      // The receiver checks the signature with the secret it was given at creation.
      const expected = createHmac("sha256", secret)
        .update(`${delivery.headers["x-blindread-timestamp"]}.${delivery.body}`)
        .digest("hex");
      expect(delivery.headers["x-blindread-signature"]).toBe(`sha256=${expected}`);
      const payload = JSON.parse(delivery.body) as Record<string, unknown>;
      expect(payload).toMatchObject({
        type: "audit.alert",
        alertId: alert!.id,
        periodStart: WEEKS[3]!.toISOString(),
      });
    }

    // Week 6: version 2.1 mends the model; more cases and reviews fire nothing new.
    for (let i = 0; i < 8; i++) {
      const { status } = await send(
        {
          accession: `ACC-5-${i}`,
          report: `Findings: Lungs are clear. Impression: No acute abnormality, case ${i}.`,
          ai_report: { model: MODEL, version: versionOf(5), text: aiTextOf(5, i) },
          flagged: i < 2,
          reported_at: wednesday(5, i),
        },
        await pngWithMetadata(50 + i),
      );
      expect(status).toBe(201);
    }
    await reviewAll();
    expect(await db().auditAlert.count({ where: { programId: auditId } })).toBe(1);
    expect(await deliverDueAlerts(db(), { baseDelayMs: 100 })).toBe(0);
    expect(receiver.received).toHaveLength(2);

    // The dashboard's trend: six weekly periods; weeks 1-3 and 6 at 100%, weeks 4-5 at 0%
    // (every AI report of those weeks carries the pneumothorax the reviewers reject).
    const dashboard = await getAuditDashboard(db(), auditId);
    const periods = dashboard.trend.periods;
    expect(periods.map((p) => p.start.toISOString())).toEqual(WEEKS.map((w) => w.toISOString()));
    expect(periods.map((p) => p.ai.rate)).toEqual([1, 1, 1, 0, 0, 1]);
    expect(periods.map((p) => p.breached)).toEqual([false, false, false, true, true, false]);
    // The radiologist's reports, reviewed blind beside them, are accepted throughout.
    expect(periods.map((p) => p.radiologist.rate)).toEqual([1, 1, 1, 1, 1, 1]);
    // Version changes are marked where they happen (2.0 in week 4, 2.1 in week 6).
    expect(periods.map((p) => p.newVersions)).toEqual([[], [], [], ["2.0"], [], ["2.1"]]);
    expect(periods.every((p) => p.medianActiveMs === 4_000)).toBe(true);
    // Before/after the last change: 2.0 at 0%, 2.1 at 100%, a difference of +1.
    expect(dashboard.trend.comparison).toMatchObject({
      before: "2.0",
      after: "2.1",
      difference: 1,
    });
    expect(dashboard.trend.byVersion.map((v) => [v.version, v.rate.rate])).toEqual([
      ["1.0", 1],
      ["2.0", 0],
      ["2.1", 1],
    ]);
    expect(dashboard.counts).toMatchObject({ received: 48, pendingReviews: 0, overdue: 0 });
    expect(dashboard.alerts).toHaveLength(1);

    // The export, as for studies, with each review's period and why its case was sampled.
    const exported = await exportStudy(
      db(),
      { studyId: dashboard.studyId, format: "csv" },
      { actor: "test", channel: "cli" },
    );
    const chunks: Buffer[] = [];
    for await (const chunk of exported.stream) chunks.push(Buffer.from(chunk as Buffer));
    const rows = parseCsv(Buffer.concat(chunks), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(
      await db().rating.count({ where: { item: { study: { audit: { id: auditId } } } } }),
    );
    for (const row of rows) {
      expect(["flagged", "random"]).toContain(row.sampled_because);
      // An AI row's version is the one that was live in the week the case was reported.
      const reported = new Date(row.reported_at!);
      const week = WEEKS.filter((w) => w <= reported).length - 1;
      expect(week).toBeGreaterThanOrEqual(0);
      if (row.source === "ai") expect(row.model_version).toBe(versionOf(week));
    }
  });

  it("is idempotent by accession: a resend changes nothing, a changed case is a conflict", async () => {
    const fields = {
      accession: "ACC-IDEM",
      report: "Findings: Lungs are clear.",
      ai_report: { model: MODEL, version: "2.1", text: "Findings: Lungs are clear." },
      reported_at: wednesday(5, 30),
    };
    const image = await pngWithMetadata(99);
    const first = await send(fields, image);
    expect(first.status).toBe(201);
    const again = await send(fields, image);
    expect(again.status).toBe(200);
    // The same decision and draw as the first time: the sampler does not draw again.
    expect(again.body).toMatchObject({
      status: "unchanged",
      sampled: first.body.sampled,
      draw: first.body.draw,
    });
    const changed = await send({ ...fields, report: "Findings: Right effusion." }, image);
    expect(changed.status).toBe(409);
    expect(
      await db().auditCase.count({
        where: { programId: auditId, accession: first.body.reference as string },
      }),
    ).toBe(1);
  });

  it("refuses bad cases with reasons and keeps nothing of them", async () => {
    const before = await db().auditCase.count({ where: { programId: auditId } });
    const image = await pngWithMetadata(7);
    const wrongModel = await send(
      {
        accession: "ACC-BAD-1",
        report: "Findings: clear.",
        ai_report: { model: "another-model", version: "1", text: "Findings: clear." },
      },
      image,
    );
    expect(wrongModel.status).toBe(422);
    expect(wrongModel.body.message).toContain(`This audit is of ${MODEL}`);
    const neither = await send({ accession: "ACC-BAD-2", report: "Findings: clear." }, image);
    expect(neither.status).toBe(422);
    expect(JSON.stringify(neither.body.problems)).toContain("either ai_report or generate");
    // No model version to generate with has been set for this audit.
    const generate = await send(
      { accession: "ACC-BAD-3", report: "Findings: clear.", generate: true },
      image,
    );
    expect(generate.status).toBe(422);
    const notImage = await send(
      {
        accession: "ACC-BAD-4",
        report: "Findings: clear.",
        ai_report: { model: MODEL, version: "2.1", text: "Findings: clear." },
      },
      Buffer.from("%PDF-1.7 not an image"),
      "image.png",
    );
    expect(notImage.status).toBe(422);
    expect(await db().auditCase.count({ where: { programId: auditId } })).toBe(before);
  });

  it("de-identifies DICOM at intake exactly as imports do", async () => {
    const dicom = await dicomCase("ACC-DCM", {}, 77);
    const { status, body } = await send(
      {
        accession: "ACC-DCM",
        report: "Findings: Lungs are clear.",
        ai_report: { model: MODEL, version: "2.1", text: "Findings: Lungs are clear." },
        reported_at: wednesday(5, 40),
      },
      dicom.bytes,
      "image.dcm",
    );
    expect(status, JSON.stringify(body)).toBe(201);
    const auditCase = await db().auditCase.findFirstOrThrow({
      where: { programId: auditId, accession: body.reference as string },
      include: { case: { include: { reports: true } } },
    });
    const stored = JSON.stringify(auditCase);
    // The accession number itself is not kept either, only its keyed hash.
    for (const value of ["ACC-DCM", PHI.patientName, PHI.patientId, PHI.comment, PHI.studyUid]) {
      expect(stored).not.toContain(value);
    }
    // What was applied is recorded on the case, as for imported cases.
    expect(auditCase.case.deidentification).toMatchObject({ uidsReplaced: expect.any(Number) });
    expect((auditCase.case.deidentification as { removed: number }).removed).toBeGreaterThan(0);
  });

  it("generates the AI report when asked, with the audit's served version", async () => {
    // A served version of the audited model (nothing runs it here: the job stays queued).
    const { id } = await db().aiModel.create({
      data: {
        name: MODEL,
        version: "3.0",
        kind: "FINDINGS_CLASSIFIER",
        path: "/models/cxr-reporter-3.0",
        sha256: "a".repeat(64),
      },
    });
    await setAuditModel(db(), { id: auditId, modelId: id });
    const { status, body } = await send(
      {
        accession: "ACC-GEN",
        report: "Findings: Lungs are clear.",
        generate: true,
        flagged: true,
        reported_at: wednesday(5, 50),
      },
      await pngWithMetadata(123),
    );
    expect(status, JSON.stringify(body)).toBe(201);
    const job = await db().generationJob.findFirstOrThrow({
      where: { case: { auditIntake: { accession: body.reference as string } } },
    });
    expect(job).toMatchObject({ modelId: id, status: "QUEUED" });
    // Sampled (flagged), but its reviews wait for the AI report: it is not queued yet.
    const auditCase = await db().auditCase.findFirstOrThrow({
      where: { accession: body.reference as string },
    });
    expect(auditCase).toMatchObject({ sampled: true, reason: "flagged", queuedAt: null });
    // The worker writes the report (as it would, in its transaction); the web process's
    // background round then queues the case for review.
    await db().report.create({
      data: { caseId: job.caseId, source: "AI", modelId: id, text: "Findings: Lungs are clear." },
    });
    const inAudit = { study: { audit: { id: auditId } } };
    const itemsBefore = await db().readingItem.count({ where: inAudit });
    expect(await queuePendingReviews(db(), auditId)).toBe(1);
    // Two reviewers, each given the AI and the radiologist's report.
    expect(await db().readingItem.count({ where: inAudit })).toBe(itemsBefore + 2 * 2);
    expect(await queuePendingReviews(db(), auditId)).toBe(0);
  });

  it("draws by stratum when the policy stratifies", () => {
    const policy = auditPolicySchema.parse({
      sampleRate: 0.1,
      stratifyBy: "site",
      stratumRates: { "Site B": 0.9 },
    });
    // Site B's share is 0.9, so a draw of 0.5 samples it; the default 0.1 does not.
    expect(decideSample(policy, { flagged: false, site: "Site B" }, 0.5)).toMatchObject({
      sampled: true,
      stratum: "Site B",
      rate: 0.9,
    });
    expect(decideSample(policy, { flagged: false, site: "Site A" }, 0.5)).toMatchObject({
      sampled: false,
      stratum: "Site A",
      rate: 0.1,
      reason: "not sampled",
    });
  });
});
