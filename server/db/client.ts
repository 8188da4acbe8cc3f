import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "@prisma/client";
import { requireDatabaseUrl } from "../env";
import { parseDatabaseUrl } from "./connection";

export type Db = PrismaClient;
/** A client or an interactive-transaction client: data functions accept either. */
export type DbClient = PrismaClient | Prisma.TransactionClient;

// Queries name their columns with `select`; password hashes are selected only in server/auth.
export function createPrismaClient(url: string = requireDatabaseUrl()): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ ...parseDatabaseUrl(url), connectionTimeoutMillis: 5_000 }),
  });
}

const globalForPrisma = globalThis as unknown as { blindreadPrisma?: PrismaClient };

/** The process-wide client (one pool per process; Next.js dev reloads reuse it). */
export function getDb(): PrismaClient {
  globalForPrisma.blindreadPrisma ??= createPrismaClient();
  return globalForPrisma.blindreadPrisma;
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** What the driver says when the database itself is out of reach (not a bad query). */
const UNREACHABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/**
 * Whether an error means the database cannot be reached just now (refused, dropped, timed
 * out, out of connections, or the pool waited in vain): the caller should retry later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (["P1001", "P1002", "P1008", "P1017", "P2024"].includes(error.code)) return true;
  const meta = error.meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined;
  const kind = meta?.driverAdapterError?.cause?.kind;
  return typeof kind === "string" && UNREACHABLE_KINDS.has(kind);
}
