import { getDb } from "@/server/db/client";

export const dynamic = "force-dynamic";

const DB_TIMEOUT_MS = 2_000;

class Timeout extends Error {}

/**
 * Why the database check failed, in words an operator can act on. Public, so it names the
 * kind of failure only, never hosts, users or the driver's message.
 */
function reasonOf(error: unknown): string {
  if (error instanceof Timeout)
    return `the database did not answer within ${DB_TIMEOUT_MS / 1000} s`;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta;
  const kind = meta?.driverAdapterError?.cause?.kind;
  switch (kind) {
    case "DatabaseNotReachable":
      return "cannot connect to the database server";
    case "DatabaseDoesNotExist":
      return "the database does not exist on the server";
    case "AuthenticationFailed":
    case "DatabaseAccessDenied":
      return "the database refused the app's credentials";
    case "TooManyConnections":
      return "the database server has no free connections";
    case "SocketTimeout":
    case "ConnectionClosed":
      return "the connection to the database was lost";
    default:
      return typeof kind === "string" ? `database error (${kind})` : "the database query failed";
  }
}

/** 200 once the database answers, 503 with a reason otherwise: for `npm start`, load balancers and probes. */
export async function GET() {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getDb().$queryRaw`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Timeout()), DB_TIMEOUT_MS);
      }),
    ]);
    return Response.json(
      { status: "ok", database: "ok" },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    return Response.json(
      { status: "unavailable", database: "unreachable", reason: reasonOf(error) },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  } finally {
    clearTimeout(timer);
  }
}
