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
