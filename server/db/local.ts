import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { formatDatabaseUrl } from "./connection";

export const DEFAULT_EMBEDDED_PORT = 54329;

/**
 * DATABASE_URL if set; else the embedded database that `npm start` keeps under .data/,
 * so the CLI works next to a running demo without configuration.
 */
export function resolveDatabaseUrl(
  dataDir = process.env.BLINDREAD_DATA_DIR ?? ".data",
): string | undefined {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const secretsFile = path.resolve(dataDir, "secrets.json");
  if (!existsSync(secretsFile)) return undefined;
  const { postgresPassword } = JSON.parse(readFileSync(secretsFile, "utf8")) as {
    postgresPassword: string;
  };
  return formatDatabaseUrl({
    host: "127.0.0.1",
    port: Number(process.env.BLINDREAD_PG_PORT ?? DEFAULT_EMBEDDED_PORT),
    user: "postgres",
    password: postgresPassword,
    database: "blindread",
  });
}
