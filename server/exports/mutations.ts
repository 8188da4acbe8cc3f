import os from "node:os";
import { recordAudit } from "../audit/record";
import type { Readable } from "node:stream";
import type { DbClient } from "../db/client";
import { AppError } from "../errors";
import { getStudyResults } from "../results/data";
import { bundleReadme, getStudyProtocol } from "./bundle";
import { exportFormatSchema, type ExportChannel } from "./schema";
import { streamAnalysisBundle, streamRatingsCsv, streamRatingsJsonl } from "./streams";

export interface ExportActor {
  /** The admin behind a web or API export; absent for the command line. */
  userId?: string;
  actor: string;
  channel: ExportChannel;
}

export function cliActor(): ExportActor {
  return { actor: `cli:${os.userInfo().username}@${os.hostname()}`, channel: "cli" };
}

const contentTypes = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
  bundle: "application/zip",
} as const;

const extensions = { csv: "csv", jsonl: "jsonl", bundle: "zip" } as const;

/**
 * Starts an unblinded export of a study's ratings, after recording who asked for it.
 * The record comes first: an export that fails halfway has still been handed out in part.
 */
export async function exportStudy(
  db: DbClient,
  input: { studyId: string; format: unknown },
  actor: ExportActor,
): Promise<{ stream: Readable; contentType: string; filename: string }> {
  const format = exportFormatSchema.parse(input.format);
  const study = await db.study.findUnique({
    where: { id: input.studyId },
    select: { id: true, name: true },
  });
  if (!study) throw new AppError("NOT_FOUND", "Study not found");
  await db.exportRecord.create({
    data: {
      studyId: study.id,
      userId: actor.userId ?? null,
      actor: actor.actor,
      channel: actor.channel,
      format,
    },
  });
  await recordAudit(db, {
    actor: actor.userId ?? "cli",
    action: "export.unblinded",
    subjectType: "study",
    subjectId: study.id,
    details: { format, channel: actor.channel, by: actor.actor },
  });
  const now = new Date();
  const slug =
    study.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "study";
  const filename = `blindread-${slug}-${now.toISOString().slice(0, 10)}-ratings.${extensions[format]}`;
  let stream: Readable;
  if (format === "csv") stream = await streamRatingsCsv(study.id);
  else if (format === "jsonl") stream = await streamRatingsJsonl(study.id);
  else {
    stream = await streamAnalysisBundle({
      studyId: study.id,
      protocol: await getStudyProtocol(db, study.id),
      results: await getStudyResults(db, study.id),
      readme: bundleReadme(study.name, now),
    });
  }
  return { stream, contentType: contentTypes[format], filename };
}
