import type PgBoss from "pg-boss";
import { requireDatabaseUrl } from "../env";
import { createQueue } from "./queue";

const holder = globalThis as unknown as { blindreadSender?: Promise<PgBoss> };

/**
 * The web app's queue client: it only sends (and creates pg-boss's schema if no worker has
 * yet). Maintenance and scheduling are the workers' business.
 */
export function getQueueSender(): Promise<PgBoss> {
  holder.blindreadSender ??= (async () => {
    const boss = createQueue(requireDatabaseUrl(), {
      supervise: false,
      schedule: false,
    });
    boss.on("error", (error) => console.error("[queue]", error.message));
    await boss.start();
    return boss;
  })();
  return holder.blindreadSender;
}
