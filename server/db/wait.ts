import pg from "pg";
import { parseDatabaseUrl } from "./connection";

/** Seconds one connection attempt may take before it counts as "no answer". */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Why a connection failed, and whether waiting can help: a server that is down, starting or
 * not yet resolvable (a container that has not come up) is worth waiting for; wrong
 * credentials or a missing database are settings to fix, so they end the wait at once.
 * Reasons name the kind of failure and the database, never the password.
 */
export function describeConnectionError(
  error: unknown,
  /** Named in the reason a missing database gets. */
  database?: string,
): { transient: boolean; reason: string } {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : String(error);
  switch (code) {
    case "ECONNREFUSED":
      return { transient: true, reason: "connection refused (is PostgreSQL running?)" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { transient: true, reason: "the database host name does not resolve" };
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { transient: true, reason: "the database host cannot be reached" };
    case "ECONNRESET":
    case "EPIPE":
      return { transient: true, reason: "the connection was cut" };
    case "57P03":
      return { transient: true, reason: "the database server is starting up" };
    case "53300":
      return { transient: true, reason: "the database server has no free connections" };
    case "28P01":
    case "28000":
      return {
        transient: false,
        reason: "the database refused the user and password in DATABASE_URL",
      };
    case "3D000":
      return {
        transient: false,
        reason: database
          ? `the database "${database}" does not exist on the server; create it (createdb ${database})`
          : "the database does not exist on the server",
      };
  }
  if (/timeout|terminated/i.test(message)) {
    return {
      transient: true,
      reason: `no answer from the database within ${CONNECT_TIMEOUT_MS / 1000} s`,
    };
  }
  return { transient: false, reason: `cannot use the database: ${message}` };
}

/** One connection and `SELECT 1`; throws the driver's error when it fails. */
export async function pingDatabase(url: string): Promise<void> {
  const client = new pg.Client({
    ...parseDatabaseUrl(url),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A connection cut mid-attempt is reported through the promise; without a listener the
  // client's error event would end the process.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

export interface WaitOptions {
  /** One line per state change (and a reminder every `remindEveryMs` while waiting). */
  log: (line: string) => void;
  /** Called with the current reason whenever an attempt fails, e.g. for a health answer. */
  onWaiting?: (reason: string) => void;
  intervalMs?: number;
  remindEveryMs?: number;
  /** Checked between attempts: true ends the wait with an error. */
  stopped?: () => boolean;
}

/**
 * Resolves once the database in `url` answers. While it is down the caller waits as long as
 * it takes (the database may come up after the app, as in a container start), saying so; a
 * failure waiting cannot fix is thrown at once with what to change.
 */
export async function waitForDatabase(url: string, options: WaitOptions): Promise<void> {
  const { log, intervalMs = 2_000, remindEveryMs = 30_000 } = options;
  const { host, port, database } = parseDatabaseUrl(url);
  const where = `${host}:${port}/${database}`;
  let waitingSince: number | undefined;
  let lastSaid = 0;
  for (;;) {
    try {
      await pingDatabase(url);
      if (waitingSince !== undefined) {
        log(
          `the database at ${where} answers after ${((Date.now() - waitingSince) / 1000).toFixed(0)} s of waiting`,
        );
      }
      return;
    } catch (error) {
      const { transient, reason } = describeConnectionError(error, database);
      if (!transient) throw new Error(`${where}: ${reason}`);
      options.onWaiting?.(reason);
      const now = Date.now();
      if (waitingSince === undefined) {
        waitingSince = now;
        lastSaid = now;
        log(
          `waiting for the database at ${where}: ${reason}; trying again every ${intervalMs / 1000} s`,
        );
      } else if (now - lastSaid >= remindEveryMs) {
        lastSaid = now;
        log(
          `still waiting for the database at ${where} (${((now - waitingSince) / 1000).toFixed(0)} s): ${reason}`,
        );
      }
    }
    if (options.stopped?.()) throw new Error("stopped while waiting for the database");
    await new Promise((r) => setTimeout(r, intervalMs));
    if (options.stopped?.()) throw new Error("stopped while waiting for the database");
  }
}
