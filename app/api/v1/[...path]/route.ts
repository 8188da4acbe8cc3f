import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { appRouter } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { resolveApiToken } from "@/server/auth/data";
import { getDb } from "@/server/db/client";

export const dynamic = "force-dynamic";

/** The REST API for machine clients: API tokens only, no browser sessions. */
const handler = (req: Request) =>
  createOpenApiFetchHandler({
    endpoint: "/api/v1",
    router: appRouter,
    req,
    createContext: async () => {
      const authorization = req.headers.get("authorization") ?? "";
      const token = authorization.toLowerCase().startsWith("bearer ")
        ? authorization.slice(7).trim()
        : "";
      const userId = token ? await resolveApiToken(getDb(), token) : null;
      return createInnerContext({ userId });
    },
  });

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
