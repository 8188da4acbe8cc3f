import type PgBoss from "pg-boss";

type Job = PgBoss.JobWithMetadata<unknown>;

export interface BatchFill {
  /** Jobs per inference batch (WORKER_BATCH_SIZE). */
  size: number;
  /** How long to wait for a partial batch to fill (WORKER_BATCH_WAIT_MS); 0 runs it at once. */
  waitMs: number;
}

/** Pause between fetches while a batch fills: short against the wait, light on the database. */
const FILL_POLL_MS = 25;

/**
 * Runs `run` on the jobs pg-boss handed over, first topping a partial batch up to `size` with
 * jobs that arrive within `waitMs` (on a GPU one model call on a full batch costs little more
 * than on one image). The jobs fetched here are completed or failed here, as pg-boss does
 * for the ones it handed over; a failure to record that is logged, and those jobs come back
 * after their expiry (the handler skips what is done).
 */
export async function runFilledBatch(
  boss: PgBoss,
  queue: string,
  jobs: Job[],
  fill: BatchFill,
  run: (jobs: Job[]) => Promise<void>,
  log: (line: string) => void,
): Promise<void> {
  const extra: Job[] = [];
  if (fill.waitMs > 0 && jobs.length < fill.size) {
    const deadline = Date.now() + fill.waitMs;
    for (;;) {
      const need = fill.size - jobs.length - extra.length;
      const more = await boss.fetch(queue, { batchSize: need, includeMetadata: true });
      extra.push(...more);
      if (jobs.length + extra.length >= fill.size || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(FILL_POLL_MS, deadline - Date.now())));
    }
  }
  const ids = extra.map((j) => j.id);
  try {
    await run([...jobs, ...extra]);
  } catch (error) {
    if (ids.length > 0) {
      await boss
        .fail(queue, ids)
        .catch((e: unknown) => log(`could not record the batch's failure in the queue: ${e}`));
    }
    throw error;
  }
  if (ids.length > 0) {
    await boss
      .complete(queue, ids)
      .catch((e: unknown) => log(`could not record the batch as done in the queue: ${e}`));
  }
}
