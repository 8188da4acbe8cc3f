import type { Db } from "../db/client";
import { deliverDueAlerts, evaluateDueAudits } from "./alerts";
import { queuePendingReviews } from "./mutations";

/**
 * The web process's background duty for audits: put sampled cases whose AI report a worker
 * has since written into reviewers' queues, judge audits with new reviews by their alert rule,
 * and post due alerts (with their retries). Safe to run in every web process: queueing locks
 * the case, judging takes the audit's advisory lock, and alerts are claimed row by row.
 */
export function startAuditLoop(db: Db, intervalMs = 10_000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await queuePendingReviews(db);
      await evaluateDueAudits(db);
      await deliverDueAlerts(db);
    } catch (error) {
      // The database may be briefly away; the next tick tries again.
      console.error("[audits] background round failed:", (error as Error).message);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
