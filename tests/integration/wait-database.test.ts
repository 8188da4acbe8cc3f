import { describe, expect, it } from "vitest";
import { formatDatabaseUrl, parseDatabaseUrl } from "@/server/db/connection";
import { waitForDatabase } from "@/server/db/wait";
import { TcpProxy } from "./tcp-proxy";

/*
 * `npm start` and the worker wait for a database that is not up yet rather than exit. A TCP
 * proxy in front of the test database plays the database being down (connections refused)
 * and coming back.
 */
describe("waiting for the database", () => {
  it("waits while connections are refused, saying why, and returns once the database answers", async () => {
    const server = parseDatabaseUrl(process.env.DATABASE_URL!);
    const gate = new TcpProxy(server);
    await gate.listen();
    await gate.cut();
    const url = formatDatabaseUrl({ ...server, host: "127.0.0.1", port: gate.port });
    const lines: string[] = [];
    const reasons: string[] = [];
    let done = false;
    try {
      const waiting = waitForDatabase(url, {
        log: (line) => lines.push(line),
        onWaiting: (reason) => reasons.push(reason),
        intervalMs: 100,
      }).then(() => (done = true));
      // Several attempts fail while the gate is closed; the wait is still going.
      await expect.poll(() => reasons.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
      expect(done).toBe(false);
      // ECONNREFUSED, described for an operator (server/db/wait.ts).
      expect(reasons[0]).toBe("connection refused (is PostgreSQL running?)");
      // Said once when the wait starts, not on every attempt (reminders come after 30 s).
      expect(lines).toEqual([
        `waiting for the database at 127.0.0.1:${gate.port}/${server.database}: connection refused (is PostgreSQL running?); trying again every 0.1 s`,
      ]);

      await gate.restore();
      await waiting;
      expect(done).toBe(true);
      expect(gate.accepted).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatch(/^the database at .* answers after \d+ s of waiting$/);
    } finally {
      await gate.close();
    }
  });

  it("stops at once, naming what to fix, when waiting cannot help", async () => {
    const server = parseDatabaseUrl(process.env.DATABASE_URL!);
    const url = formatDatabaseUrl({ ...server, database: "blindread_no_such_database" });
    const reasons: string[] = [];
    const started = Date.now();
    await expect(
      waitForDatabase(url, { log: () => {}, onWaiting: (r) => reasons.push(r), intervalMs: 100 }),
    ).rejects.toThrow(
      `the database "blindread_no_such_database" does not exist on the server; create it (createdb blindread_no_such_database)`,
    );
    expect(reasons).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("ends the wait when the caller is stopping", async () => {
    // Port 1 on loopback: nothing listens there.
    const url = "postgresql://postgres@127.0.0.1:1/nothing";
    let stopping = false;
    const waiting = waitForDatabase(url, {
      log: () => (stopping = true),
      intervalMs: 100,
      stopped: () => stopping,
    });
    await expect(waiting).rejects.toThrow("stopped while waiting for the database");
  });
});
