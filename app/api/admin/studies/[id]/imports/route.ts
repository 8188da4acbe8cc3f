import { rm } from "node:fs/promises";
import path from "node:path";
import { problem, requireAdmin } from "@/server/auth/http";
import { getSessionUserId } from "@/server/auth/request";
import { getDb } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { IngestError } from "@/server/ingest/errors";
import { createImportJob, executeImportInBackground } from "@/server/ingest/jobs";
import { webEnqueue } from "@/server/ingest/router";
import { extractZip, ingestLimits } from "@/server/ingest/source";
import { looksLikeZip, saveUpload } from "@/server/ingest/upload";

export const dynamic = "force-dynamic";

const flag = (value: string | null) => value === "1" || value === "true";

/**
 * Receives a dataset zip as the request body and starts its import in the background, so it
 * goes on when the browser closes; the page follows it through imports.get.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const admin = await requireAdmin(db, req, getSessionUserId);
  if (admin instanceof Response) return admin;
  const url = new URL(req.url);
  const name =
    path.basename(url.searchParams.get("name") ?? "upload.zip").slice(0, 200) || "upload.zip";
  const limits = ingestLimits();
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limits.maxTotalBytes) {
    return problem(
      413,
      `The upload is larger than the ${Math.round(limits.maxTotalBytes / 1048576)} MB limit`,
    );
  }
  let file: string;
  try {
    file = await saveUpload(req.body, limits.maxTotalBytes, "dataset.zip");
  } catch (error) {
    if (error instanceof IngestError) return problem(400, error.message);
    throw error;
  }
  const cleanup = () => rm(path.dirname(file), { recursive: true, force: true });
  if (!(await looksLikeZip(file))) {
    await cleanup();
    return problem(
      415,
      "That file is not a zip archive (judged by its content); upload a .zip of the dataset folder",
    );
  }
  try {
    const importId = await createImportJob(db, {
      studyId: id,
      userId: admin.user.id,
      origin: "upload",
      sourceName: name,
      options: {
        skipInvalid: flag(url.searchParams.get("skipInvalid")),
        keepOriginals: flag(url.searchParams.get("keepOriginals")),
      },
    });
    executeImportInBackground(
      db,
      importId,
      async () => {
        let dataset;
        try {
          dataset = await extractZip(file, limits);
        } catch (error) {
          // The raw upload holds identifiable data: it goes whatever happens.
          await cleanup();
          throw error;
        }
        return {
          ...dataset,
          cleanup: async () => {
            await dataset.cleanup();
            await cleanup();
          },
        };
      },
      webEnqueue(db),
    );
    return Response.json({ importId }, { status: 202 });
  } catch (error) {
    await cleanup();
    if (error instanceof AppError)
      return problem(error.code === "NOT_FOUND" ? 404 : 409, error.message);
    throw error;
  }
}
