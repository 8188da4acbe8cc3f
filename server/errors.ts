/** Error codes the product speaks; mapped to tRPC and HTTP in one place (server/api/trpc.ts). */
export type AppErrorCode =
  "BAD_REQUEST" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "CONFLICT" | "UNAVAILABLE";

/**
 * An error whose message is safe and useful to show the user. Anything else that
 * escapes to a request boundary becomes a generic message plus a log line.
 */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly logDetail?: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}
