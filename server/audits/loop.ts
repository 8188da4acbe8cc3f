import type { Db } from "../db/client";
import { deliverDueAlerts } from "./alerts";
import { queuePendingReviews } from "./mutations";

/**
 * The web process's background duty for audits: post due alerts (with their retries) and put
 * sampled cases whose AI report a worker has since written into reviewers' queues. Safe to run
 * in every web process: alerts are claimed row by row, and queueing locks the case.
 */
export function startAuditLoop(db: Db, intervalMs = 10_000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await queuePendingReviews(db);
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
