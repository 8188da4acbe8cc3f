import { generateOpenApiDocument } from "trpc-to-openapi";
import { appRouter } from "./root";

/** Streaming endpoints are plain route handlers, outside tRPC; they are described here. */
const streamingPaths = {
  "/studies/{id}/export": {
    get: {
      operationId: "exports-study",
      summary: "Unblinded ratings of a study: CSV, JSON Lines, or the analysis bundle (zip)",
      description:
        "Streams every rating in long format. Admins only; every export is recorded with who and when.",
      tags: ["exports"],
      security: [{ Authorization: [] }],
      parameters: [
        { name: "id", in: "path", required: true, schema: { type: "string" } },
        {
          name: "format",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["csv", "jsonl", "bundle"], default: "csv" },
        },
      ],
      responses: {
        "200": {
          description: "The export, as an attachment",
          content: {
            "text/csv": { schema: { type: "string" } },
            "application/x-ndjson": { schema: { type: "string" } },
            "application/zip": { schema: { type: "string", format: "binary" } },
          },
        },
        "400": { description: "Unknown format" },
        "401": { description: "No valid token" },
        "403": { description: "Not an admin" },
        "404": { description: "No such study" },
      },
    },
  },
};

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
  return {
    ...cached,
    servers: [{ url: baseUrl }],
    paths: { ...cached.paths, ...streamingPaths },
  };
}
