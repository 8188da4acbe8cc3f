import { generateOpenApiDocument } from "trpc-to-openapi";
import { appRouter } from "./root";

let cached: ReturnType<typeof generateOpenApiDocument> | undefined;

/** The REST API's OpenAPI document, generated from the same zod schemas tRPC validates with. */
export function getOpenApiDocument(baseUrl: string) {
  cached ??= generateOpenApiDocument(appRouter, {
    title: "Blindread API",
    version: "1.0.0",
    baseUrl,
    description:
      "Machine access to Blindread. Authenticate with `Authorization: Bearer <token>`; tokens are created by admins with `npx blindread tokens create`.",
  });
  return { ...cached, servers: [{ url: baseUrl }] };
}
