import { parse } from "pg-connection-string";

/** Discrete connection fields for `pg` and the Prisma driver adapter. */
export interface ConnectionFields {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

// Prisma's shadow-database helper overrides `database`, which a connection string
// would shadow, so everything downstream takes discrete fields.
export function parseDatabaseUrl(url: string): ConnectionFields {
  const parsed = parse(url);
  return {
    host: parsed.host ?? "127.0.0.1",
    port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user ?? "postgres",
    ...(parsed.password ? { password: parsed.password } : {}),
    database: parsed.database ?? "postgres",
  };
}

export function formatDatabaseUrl(fields: ConnectionFields): string {
  const auth = fields.password
    ? `${encodeURIComponent(fields.user)}:${encodeURIComponent(fields.password)}`
    : encodeURIComponent(fields.user);
  return `postgresql://${auth}@${fields.host}:${fields.port}/${encodeURIComponent(fields.database)}`;
}
