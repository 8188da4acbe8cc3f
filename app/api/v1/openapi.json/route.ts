import { getOpenApiDocument } from "@/server/api/openapi";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return Response.json(getOpenApiDocument(new URL("/api/v1", req.url).toString()));
}
