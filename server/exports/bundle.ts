import type { DbClient } from "../db/client";
import { readDesign } from "../studies/design";
import { RATING_COLUMNS } from "./schema";

/** What was done, as needed to re-run or audit the analysis: scale, design and seeds. */
export async function getStudyProtocol(db: DbClient, studyId: string) {
  const study = await db.study.findUniqueOrThrow({
    where: { id: studyId },
    select: {
      id: true,
      name: true,
      description: true,
      seed: true,
      status: true,
      successLevels: true,
      stringentLevels: true,
      design: true,
      openedAt: true,
      models: {
        select: { model: { select: { name: true, version: true, sha256: true, isDemo: true } } },
      },
      readers: { orderBy: { id: "asc" }, select: { orderSeed: true, finishedAt: true } },
    },
  });
  const design = readDesign(study.design);
  const layout =
    design.type === "crossed"
      ? "Every reader rates every report of every case that has all its reports."
      : `Split: each case goes to ${design.readersPerCase} readers (balanced loads, seeded), who rate all of its reports.`;
  return {
    study: { id: study.id, name: study.name, description: study.description, status: study.status },
    scale: {
      levels: design.scale,
      success: study.successLevels,
      stringentSuccess: study.stringentLevels,
    },
    design: {
      kind: design.type === "crossed" ? "fully crossed" : "split",
      description:
        design.washoutDays > 0
          ? `${layout} The reports of one image are read in separate sessions, each opening ${design.washoutDays} day(s) after the reader completed the previous one.`
          : `${layout} Two reports of one image are at least ${design.washoutItems} other item(s) apart in a reader's order.`,
      washoutDays: design.washoutDays,
      readersPerCase: design.type === "split" ? design.readersPerCase : null,
      washoutItems: design.washoutItems,
      allowGoBack: design.allowGoBack,
      fields: { comment: design.comments, errorFlags: design.errorFlags },
      sources: [
        "ground_truth",
        ...study.models.map((m) => `ai:${m.model.name}@${m.model.version}`),
      ],
      models: study.models.map((m) => m.model),
    },
    seeds: {
      assignment: study.seed,
      readers: study.readers.map((r, i) => ({ reader: `R${i + 1}`, orderSeed: r.orderSeed })),
    },
    openedAt: study.openedAt?.toISOString() ?? null,
  };
}

export function bundleReadme(studyName: string, exportedAt: Date): string {
  const columns = RATING_COLUMNS.map(([name, meaning]) => `| \`${name}\` | ${meaning} |`).join(
    "\n",
  );
  return `# Analysis bundle: ${studyName}

Exported ${exportedAt.toISOString()} from Blindread. This bundle is unblinded: it names the
source of every report. Check the files against \`SHA256SUMS\` (\`sha256sum -c SHA256SUMS\`).

## Files

- \`ratings.csv\`: every rating, one row per (reader, report), long format.
- \`cases.csv\`: the study's cases with their labels and whether they could be read.
- \`reports.csv\`: every report's text with its source and, for AI reports, the model,
  execution provider and generation time.
- \`protocol.json\`: the rating scale with its anchors and success levels, the design, and
  the seeds of the reading orders (the assignment can be regenerated from them).
- \`results.json\`: the results as shown to the study owner.

## ratings.csv

| column | meaning |
| --- | --- |
${columns}

## cases.csv

| column | meaning |
| --- | --- |
| \`case_id\` | The case id from the source dataset |
| \`is_abnormal\` | t/f label from the source data; empty if not given |
| \`finding_tags\` | Finding labels, separated by ';' |
| \`site\` | Acquiring site, if the source data gave one |
| \`image_sha256\` | sha256 of the stored image |
| \`status\` | ready, pending (reports still being generated) or failed |
| \`problem\` | Why a failed case could not be read |

## reports.csv

| column | meaning |
| --- | --- |
| \`case_id\` | The case id from the source dataset |
| \`source\` | ground_truth or ai |
| \`model_name\`, \`model_version\` | The model that wrote an AI report |
| \`provider\` | Execution provider of the model run (cuda or cpu) |
| \`generation_ms\` | Inference time per image, milliseconds |
| \`created_at\` | When the report was stored (UTC) |
| \`text\` | The report as stored (readers saw it normalized to one house style) |
`;
}
