import { randomBytes } from "node:crypto";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQueue } from "@/server/jobs/queue";
import { runFilledBatch, type BatchFill } from "@/workers/batching";

let boss: PgBoss;
beforeAll(async () => {
  boss = await startQueue(process.env.DATABASE_URL!);
});
afterAll(() => boss.stop({ graceful: false, wait: true }));

async function newQueue() {
  const name = `batching-test-${randomBytes(4).toString("hex")}`;
  await boss.createQueue(name, { name, retryLimit: 2 });
  return name;
}

const send = (queue: string, n: number) =>
  boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { n: i } })));

async function states(queue: string) {
  const rows = await boss
    .getDb()
    .executeSql(
      "SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY state ORDER BY state",
      [queue],
    );
  return Object.fromEntries(
    (rows as { rows: { state: string; n: number }[] }).rows.map((r) => [r.state, r.n]),
  );
}

const quiet = () => {};

/** Runs a batch that only records its size; returns the sizes seen and the time it took. */
async function recordBatch(
  queue: string,
  first: PgBoss.JobWithMetadata<unknown>[],
  fill: BatchFill,
) {
  const seen: number[] = [];
  const started = Date.now();
  await runFilledBatch(
    boss,
    queue,
    first,
    fill,
    async (batch) => void seen.push(batch.length),
    quiet,
  );
  return { seen, ms: Date.now() - started };
}

describe("filling a partial batch (WORKER_BATCH_WAIT_MS)", () => {
  it("tops a partial batch up with jobs that arrive within the wait, then completes them", async () => {
    const queue = await newQueue();
    await send(queue, 1);
    const first = await boss.fetch(queue, { batchSize: 4, includeMetadata: true });
    expect(first).toHaveLength(1);
    // Two more arrive while the batch waits; the batch of four never fills.
    setTimeout(() => void send(queue, 2), 150);
    const { seen, ms } = await recordBatch(queue, first, { size: 4, waitMs: 700 });
    expect(seen).toEqual([3]);
    expect(ms).toBeGreaterThanOrEqual(650);
    expect(ms).toBeLessThan(3_000);
    // The two fetched here are completed here; the first is pg-boss's own to complete.
    expect(await states(queue)).toEqual({ active: 1, completed: 2 });
  });

  it("stops waiting as soon as the batch is full", async () => {
    const queue = await newQueue();
    await send(queue, 1);
    const first = await boss.fetch(queue, { batchSize: 3, includeMetadata: true });
    setTimeout(() => void send(queue, 5), 100);
    const { seen, ms } = await recordBatch(queue, first, { size: 3, waitMs: 5_000 });
    expect(seen).toEqual([3]);
    expect(ms).toBeLessThan(2_500);
    // Three jobs stay queued for the next batch.
    expect(await states(queue)).toEqual({ active: 1, completed: 2, created: 3 });
  });

  it("runs at once without a wait, and fails the jobs it fetched when the batch fails", async () => {
    const queue = await newQueue();
    await send(queue, 3);
    const first = await boss.fetch(queue, { batchSize: 1, includeMetadata: true });
    expect((await recordBatch(queue, first, { size: 3, waitMs: 0 })).seen).toEqual([1]);
    expect(await states(queue)).toEqual({ active: 1, created: 2 });

    const failing = runFilledBatch(
      boss,
      queue,
      [],
      { size: 2, waitMs: 200 },
      async () => {
        throw new Error("model crashed");
      },
      quiet,
    );
    await expect(failing).rejects.toThrow("model crashed");
    // Both waiting jobs were taken into the batch; failed with retries left, they wait to retry.
    expect(await states(queue)).toEqual({ active: 1, retry: 2 });
  });
});
