import { z } from "zod";

export const exportFormatSchema = z.enum(["csv", "jsonl", "bundle"], {
  message: "format must be csv, jsonl or bundle",
});
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const exportChannelSchema = z.enum(["web", "api", "cli"]);
export type ExportChannel = z.infer<typeof exportChannelSchema>;

/** The columns of the long-format ratings export, in order, with what each means. */
export const RATING_COLUMNS = [
  ["study_id", "Blindread's id of the study"],
  ["study_name", "Name of the study"],
  [
    "reader",
    "Reader pseudonym (R1, R2, ...), stable within the study, in the order readers were added",
  ],
  ["case_id", "The case id from the source dataset"],
  ["source", "ground_truth (the original radiologist's report) or ai"],
  ["model_name", "Model that wrote the report; empty for ground truth"],
  ["model_version", "Version of that model; empty for ground truth"],
  ["rating", "Acceptability level: A (no revision), B (minor), C (major), D (unacceptable)"],
  [
    "success",
    "1 if the rating counts as autonomous-reporting success under the study's scale (A or B unless the study says otherwise), else 0",
  ],
  [
    "stringent_success",
    "1 if the rating meets the stringent criterion (A unless the study says otherwise), else 0",
  ],
  ["comment", "The reader's free-text comment, if any"],
  ["flags", "Error flags the reader set, separated by ';'"],
  [
    "active_ms",
    "Milliseconds the reader spent on the item, idle time excluded; empty if not measured",
  ],
  ["position", "Position of the item in this reader's reading order (1-based)"],
  ["rated_at", "When the rating was first saved (UTC, ISO 8601)"],
  ["updated_at", "When the rating was last changed (UTC, ISO 8601)"],
  [
    "reported_at",
    "QA audits: when the examination was reported, the period the case counts in (UTC, ISO 8601); empty in reader studies",
  ],
  [
    "sampled_because",
    "QA audits: why the case was reviewed (flagged, or random); empty in reader studies",
  ],
] as const;
