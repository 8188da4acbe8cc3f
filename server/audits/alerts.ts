import { createHmac } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { recordAudit } from "../audit/record";
import type { Db } from "../db/client";
import { readPolicy } from "./schema";
import { breaches, computeTrend, type AuditRating } from "./trends";

/** Every rating of the audit's reviewed reports, with the period and version it counts under. */
export async function loadAuditRatings(db: Db, programId: string): Promise<AuditRating[]> {
  const rows = await db.$queryRaw<
    {
      case_id: string;
      received_at: Date;
      version: string | null;
      level: string;
      active_ms: number | null;
      success_levels: string[];
    }[]
  >`
    SELECT ac.case_id, ac.received_at, m.version, r.level::text AS level, r.active_ms,
           s.success_levels::text[] AS success_levels
    FROM audit_cases ac
    JOIN audit_programs p ON p.id = ac.program_id
    JOIN studies s ON s.id = p.study_id
    JOIN reports rep ON rep.case_id = ac.case_id
    JOIN reading_items i ON i.report_id = rep.id
    JOIN ratings r ON r.item_id = i.id
    LEFT JOIN ai_models m ON m.id = rep.model_id
    WHERE ac.program_id = ${programId}`;
  return rows.map((r) => ({
    caseId: r.case_id,
    receivedAt: r.received_at,
    modelVersion: r.version,
    success: r.success_levels.includes(r.level),
    activeMs: r.active_ms,
  }));
}

/**
 * Judges the audit's periods by its rule and records an alert for each breach not yet
 * recorded. A breach is a run of consecutive breached periods, keyed by its first period, so
 * it fires once however many cases and periods follow; a period back in control ends it.
 * Returns the ids of alerts fired now.
 */
export async function evaluateAlerts(db: Db, programId: string): Promise<string[]> {
  const program = await db.auditProgram.findUnique({
    where: { id: programId },
    select: { policy: true },
  });
  if (!program) return [];
  const policy = readPolicy(program.policy);
  const trend = computeTrend(await loadAuditRatings(db, programId), policy);
  const fired: string[] = [];
  for (const run of breaches(trend.periods)) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const details = {
      rule: policy.alert.rule,
      period: policy.alert.period,
      threshold: policy.alert.rule === "threshold" ? policy.alert.threshold : null,
      centre: trend.centre,
      periods: run.map((p) => ({
        start: p.start.toISOString(),
        end: p.end.toISOString(),
        rate: p.ai.rate,
        lower: p.ai.lower,
        upper: p.ai.upper,
        ratings: p.ai.ratings,
        cases: p.ai.cases,
        lowerLimit: p.lowerLimit,
        versions: p.versions,
      })),
    } as unknown as Prisma.InputJsonObject;
    const id = await db.$transaction(async (tx) => {
      // One evaluation at a time per audit, so two reviews landing together fire once.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`audit-alerts:${programId}`}))`;
      // A breach already recorded that this run overlaps (it may have grown at either end as
      // late reviews completed earlier periods) is the same breach: extend it, fire nothing.
      const known = await tx.auditAlert.findFirst({
        where: { programId, periodStart: { lt: last.end }, periodEnd: { gt: first.start } },
        select: { id: true, periodStart: true, periodEnd: true },
      });
      if (known) {
        await tx.auditAlert.update({
          where: { id: known.id },
          data: {
            periodStart: first.start < known.periodStart ? first.start : known.periodStart,
            periodEnd: last.end > known.periodEnd ? last.end : known.periodEnd,
            details,
          },
        });
        return null;
      }
      const alert = await tx.auditAlert.create({
        data: {
          programId,
          periodStart: first.start,
          periodEnd: last.end,
          details,
          delivery: policy.webhookUrl ? "PENDING" : "NONE",
          nextAttemptAt: new Date(),
        },
        select: { id: true },
      });
      await recordAudit(tx, {
        actor: "system",
        action: "audit.alert_fired",
        subjectType: "audit_program",
        subjectId: programId,
        details: { alertId: alert.id, periodStart: first.start.toISOString() },
      });
      return alert.id;
    });
    if (id) fired.push(id);
  }
  return fired;
}

/**
 * Judges every audit with ratings changed since it was last judged: the background round's
 * work, kept off the rating request (a year of reviews takes most of a second). An audit is
 * marked judged as of a little before this round began, so that a rating committed while the
 * round read the ratings is seen by the next one; judging twice fires nothing twice.
 */
export async function evaluateDueAudits(db: Db): Promise<number> {
  const due = await db.$queryRaw<{ id: string; started: Date }[]>`
    SELECT p.id, now() - interval '30 seconds' AS started FROM audit_programs p
    WHERE EXISTS (
      SELECT 1 FROM ratings r JOIN reading_items i ON i.id = r.item_id
      WHERE i.study_id = p.study_id AND (p.evaluated_at IS NULL OR r.updated_at > p.evaluated_at))`;
  for (const { id, started } of due) {
    await evaluateAlerts(db, id);
    await db.auditProgram.update({ where: { id }, data: { evaluatedAt: started } });
  }
  return due.length;
}

/** The body and headers of one webhook call; the signature covers the timestamp and body. */
export function signWebhook(secret: string, body: string, timestamp: number) {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return {
    "content-type": "application/json",
    "x-blindread-event": "audit.alert",
    "x-blindread-timestamp": String(timestamp),
    "x-blindread-signature": `sha256=${signature}`,
  };
}

export interface DeliveryOptions {
  /** First retry after this long; each further one waits twice as long. */
  baseDelayMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
}

/**
 * Posts every alert whose delivery is due. Each is claimed by moving its next attempt into
 * the future first, so several web processes never post one alert at the same moment.
 */
export async function deliverDueAlerts(db: Db, options: DeliveryOptions = {}): Promise<number> {
  const baseDelayMs = options.baseDelayMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const claimed = await db.$queryRaw<{ id: string }[]>`
    UPDATE audit_alerts SET next_attempt_at = now() + interval '5 minutes'
    WHERE id IN (
      SELECT id FROM audit_alerts
      WHERE delivery = 'PENDING' AND next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  let delivered = 0;
  for (const { id } of claimed) {
    const alert = await db.auditAlert.findUniqueOrThrow({
      where: { id },
      select: {
        id: true,
        periodStart: true,
        periodEnd: true,
        details: true,
        firedAt: true,
        attempts: true,
        program: {
          select: {
            id: true,
            modelName: true,
            policy: true,
            webhookSecret: true,
            study: { select: { name: true } },
          },
        },
      },
    });
    const url = readPolicy(alert.program.policy).webhookUrl;
    if (!url || !alert.program.webhookSecret) {
      await db.auditAlert.update({ where: { id }, data: { delivery: "NONE" } });
      continue;
    }
    const body = JSON.stringify({
      type: "audit.alert",
      alertId: alert.id,
      audit: {
        id: alert.program.id,
        name: alert.program.study.name,
        model: alert.program.modelName,
      },
      periodStart: alert.periodStart.toISOString(),
      periodEnd: alert.periodEnd.toISOString(),
      firedAt: alert.firedAt.toISOString(),
      details: alert.details,
    });
    const attempts = alert.attempts + 1;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: signWebhook(alert.program.webhookSecret, body, Math.floor(Date.now() / 1000)),
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
      if (!res.ok) error = `the receiver answered HTTP ${res.status}`;
      await res.body?.cancel().catch(() => undefined);
    } catch (e) {
      error = `the receiver could not be reached (${(e as Error).message})`;
    }
    if (!error) {
      delivered++;
      await db.auditAlert.update({
        where: { id },
        data: { delivery: "DELIVERED", attempts, deliveredAt: new Date(), lastError: null },
      });
    } else {
      const done = attempts >= maxAttempts;
      await db.auditAlert.update({
        where: { id },
        data: {
          delivery: done ? "FAILED" : "PENDING",
          attempts,
          lastError: error,
          nextAttemptAt: done ? null : new Date(Date.now() + baseDelayMs * 2 ** (attempts - 1)),
        },
      });
    }
  }
  return delivered;
}
