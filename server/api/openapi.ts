import { generateOpenApiDocument } from "trpc-to-openapi";
import { appRouter } from "./root";

/** The error answers both one-case multipart endpoints share. */
const caseErrors = {
  "400": { description: "Malformed request" },
  "401": { description: "No valid token" },
  "403": { description: "Not an admin" },
  "413": { description: "A file is over the size limit" },
  "422": { description: "The case is invalid; `problems` says why" },
};

/** A multipart body: a `case` JSON field, other named fields, and the image files. */
function caseForm(caseDescription: string, fields: Record<string, unknown> = {}) {
  return {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object",
          required: ["case"],
          properties: { case: { type: "string", description: caseDescription }, ...fields },
          additionalProperties: { type: "string", format: "binary" },
        },
      },
    },
  };
}

/** Streaming and multipart endpoints are plain route handlers, outside tRPC; described here. */
const handwrittenPaths = {
  "/studies/{id}/cases": {
    post: {
      operationId: "cases-add",
      summary: "Add one case: its image file(s) and its reports",
      description:
        "Multipart form data: a `case` field holding a JSON object with the fields of a JSON Lines manifest row (case_id, report or findings/impression, label, finding_tags, site, ai_reports), and the image files (DICOM, PNG or JPEG, judged by content). Images are de-identified before anything is stored. Idempotent by case id and content: sending the same case again answers `unchanged`; different content under an existing case id is a conflict. Admins only; the study must be a draft.",
      tags: ["studies"],
      security: [{ Authorization: [] }],
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      requestBody: caseForm("JSON object, as one manifest row", {
        keepOriginals: { type: "string", enum: ["true", "false"] },
      }),
      responses: {
        "200": { description: "The same case was already imported; nothing changed" },
        "201": {
          description:
            "Imported (status imported), or held for review of possible burned-in text (status held)",
        },
        ...caseErrors,
        "404": { description: "No such study" },
        "409": {
          description: "The case id exists with other content, or the study is no longer a draft",
        },
      },
    },
  },
  "/audits/{id}/cases": {
    post: {
      operationId: "audits-intake",
      summary: "Send one new case to a QA audit; the answer says whether it was sampled",
      description:
        "Multipart form data: a `case` field holding a JSON object (accession, report: the radiologist's signed report, either ai_report {model, version, text} or generate: true, and optionally flagged, site, modality, reported_at as ISO 8601) and the image file (DICOM, PNG or JPEG, judged by content), de-identified as in imports. The sampler decides at once and records its draw. Idempotent by accession: a resend answers `unchanged` with the first decision; different content under a known accession is a conflict. The accession is kept only as a keyed hash, returned as `reference`. Admins only.",
      tags: ["audits"],
      security: [{ Authorization: [] }],
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      requestBody: caseForm("JSON object, as described"),
      responses: {
        "200": { description: "The same case was received before; nothing changed" },
        "201": {
          description:
            "Received (status received, or held for review of possible burned-in text), with sampled, reason, draw, rate and reference",
        },
        ...caseErrors,
        "404": { description: "No such audit" },
        "409": { description: "The accession was received before with other content" },
      },
    },
  },
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
    paths: { ...cached.paths, ...handwrittenPaths },
  };
}
