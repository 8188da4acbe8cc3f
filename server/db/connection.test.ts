import { describe, expect, it } from "vitest";
import { assertLocalServer } from "./admin";
import { formatDatabaseUrl, parseDatabaseUrl } from "./connection";

describe("database URLs", () => {
  it("parses into discrete fields and formats back, escaping special characters", () => {
    const fields = parseDatabaseUrl("postgresql://us%40er:p%3Ass@db.example.org:6543/blind_read");
    expect(fields).toEqual({
      host: "db.example.org",
      port: 6543,
      user: "us@er",
      password: "p:ss",
      database: "blind_read",
    });
    expect(parseDatabaseUrl(formatDatabaseUrl(fields))).toEqual(fields);
  });

  it("defaults the port and leaves out an empty password", () => {
    expect(parseDatabaseUrl("postgresql://postgres@127.0.0.1/postgres")).toEqual({
      host: "127.0.0.1",
      port: 5432,
      user: "postgres",
      database: "postgres",
    });
  });

  it("lets tests use only a server on this machine", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "/var/run/postgresql"]) {
      expect(() => assertLocalServer({ host, port: 5432, user: "u", database: "d" })).not.toThrow();
    }
    for (const host of ["db.example.org", "10.0.0.5", "192.168.1.2"]) {
      expect(() => assertLocalServer({ host, port: 5432, user: "u", database: "d" })).toThrow(
        /Refusing to create test databases/,
      );
    }
  });
});
