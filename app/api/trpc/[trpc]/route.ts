import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createRequestContext } from "@/server/api/trpc";
import { getSessionUserId } from "@/server/auth/request";

export const dynamic = "force-dynamic";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createRequestContext(req, getSessionUserId),
    responseMeta: () => ({ headers: new Headers({ "Cache-Control": "no-store" }) }),
  });

export { handler as GET, handler as POST };
