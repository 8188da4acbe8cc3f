import { createHmac } from "node:crypto";
import type { DicomDataset, DicomDict } from "dcmjs";
import dcmjs from "./dcmjs";
import { IngestError } from "../errors";
import { BASIC_PROFILE, CLASS_UIDS, repeatingGroupAction, type ProfileAction } from "./profile";

export const PROFILE_NAME = "DICOM PS3.15 Basic Application Level Confidentiality Profile";
export const PROFILE_OPTIONS = [
  "private attributes removed",
  "instance UIDs replaced by per-study pseudonyms",
  "dates and times removed",
  "person names emptied",
  "free-text attributes (LT, ST, UT) removed",
] as const;

/** What de-identification did to one file: actions and tags, never values. */
export interface DeidentificationRecord {
  profile: typeof PROFILE_NAME;
  options: string[];
  removed: number;
  emptied: number;
  uidsReplaced: number;
  privateRemoved: number;
  /** Tags acted on, as (gggg,eeee), sorted. */
  tags: string[];
  /** Whether a de-identified copy of the file was kept. */
  originalKept: boolean;
}

/**
 * A deterministic pseudonym for a UID within one study: the same source UID always maps to
 * the same "2.25." UID (so links between a study's images survive) and cannot be reversed
 * without the study's key.
 */
export function pseudonymUid(uid: string, studyKey: string): string {
  const digest = createHmac("sha256", studyKey).update(uid.replace(/\0/g, "").trim()).digest("hex");
  return `2.25.${BigInt(`0x${digest.slice(0, 32)}`).toString(10)}`;
}

const TEXT_VRS = new Set(["LT", "ST", "UT"]);
const DATE_VRS = new Set(["DA", "DT", "TM"]);

interface Counters {
  removed: number;
  emptied: number;
  uidsReplaced: number;
  privateRemoved: number;
  tags: Set<string>;
}

function ruleFor(tag: string, vr: string): ProfileAction | null {
  const listed = BASIC_PROFILE[tag] ?? repeatingGroupAction(tag);
  if (listed) return listed;
  if (vr === "PN") return "Z";
  if (DATE_VRS.has(vr)) return "Z";
  if (TEXT_VRS.has(vr) || vr === "AS") return "X";
  if (vr === "UI" && !CLASS_UIDS.has(tag)) return "U";
  return null;
}

function label(tag: string): string {
  return `(${tag.slice(0, 4)},${tag.slice(4)})`;
}

function clean(dataset: DicomDataset, studyKey: string, counters: Counters): void {
  for (const tag of Object.keys(dataset)) {
    const element = dataset[tag]!;
    const group = Number.parseInt(tag.slice(0, 4), 16);
    if (group % 2 === 1) {
      delete dataset[tag];
      counters.privateRemoved++;
      continue;
    }
    const action = ruleFor(tag, element.vr);
    if (action === "X") {
      delete dataset[tag];
      counters.removed++;
      counters.tags.add(label(tag));
      continue;
    }
    if (action === "Z") {
      element.Value = [];
      counters.emptied++;
      counters.tags.add(label(tag));
      continue;
    }
    if (action === "U") {
      element.Value = (element.Value ?? []).map((v) =>
        typeof v === "string" && v ? pseudonymUid(v, studyKey) : v,
      );
      counters.uidsReplaced += element.Value.length;
      counters.tags.add(label(tag));
      continue;
    }
    if (element.vr === "SQ") {
      for (const item of element.Value ?? []) clean(item as DicomDataset, studyKey, counters);
    }
  }
}

function markDeidentified(dataset: DicomDataset): void {
  dataset["00120062"] = { vr: "CS", Value: ["YES"] };
  dataset["00120063"] = { vr: "LO", Value: [PROFILE_NAME] };
  dataset["00120064"] = {
    vr: "SQ",
    Value: [
      {
        "00080100": { vr: "SH", Value: ["113100"] },
        "00080102": { vr: "SH", Value: ["DCM"] },
        "00080104": { vr: "LO", Value: ["Basic Application Confidentiality Profile"] },
      },
    ],
  };
}

function readDict(bytes: Uint8Array, untilPixelData: boolean, headerLength?: number): DicomDict {
  // dcmjs copies what it is given: when only attributes are needed, give it only them.
  const end =
    untilPixelData && headerLength ? Math.min(headerLength, bytes.byteLength) : bytes.byteLength;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + end);
  try {
    return dcmjs.data.DicomMessage.readFile(
      buffer as ArrayBuffer,
      untilPixelData ? { untilTag: "7FE00010", ignoreErrors: true } : { ignoreErrors: true },
    );
  } catch {
    throw new IngestError("the DICOM attributes could not be read for de-identification");
  }
}

/**
 * Applies the profile to a DICOM file. Without `keep` only the attributes are read (the
 * record says what was found and discarded; nothing of the file is stored but pixels);
 * with it, returns the de-identified file to store.
 */
export function deidentifyDicom(
  bytes: Uint8Array,
  studyKey: string,
  keep: boolean,
  /** Bytes before the pixel data, when known: all that is read when the file is not kept. */
  headerLength?: number,
): { record: DeidentificationRecord; file: Buffer | null } {
  const dict = readDict(bytes, !keep, headerLength);
  const counters: Counters = {
    removed: 0,
    emptied: 0,
    uidsReplaced: 0,
    privateRemoved: 0,
    tags: new Set(),
  };
  clean(dict.dict, studyKey, counters);
  // The file meta group carries the SOP instance UID and the sender's AE titles too.
  for (const tag of ["00020016", "00020017", "00020018"]) {
    if (dict.meta[tag]) {
      delete dict.meta[tag];
      counters.removed++;
      counters.tags.add(label(tag));
    }
  }
  const metaUid = dict.meta["00020003"];
  if (metaUid) {
    metaUid.Value = metaUid.Value.map((v) =>
      typeof v === "string" ? pseudonymUid(v, studyKey) : v,
    );
    counters.uidsReplaced++;
  }
  markDeidentified(dict.dict);
  const record: DeidentificationRecord = {
    profile: PROFILE_NAME,
    options: [...PROFILE_OPTIONS],
    removed: counters.removed,
    emptied: counters.emptied,
    uidsReplaced: counters.uidsReplaced,
    privateRemoved: counters.privateRemoved,
    tags: [...counters.tags].sort(),
    originalKept: keep,
  };
  if (!keep) return { record, file: null };
  try {
    return { record, file: Buffer.from(dict.write()) };
  } catch {
    throw new IngestError("the de-identified DICOM file could not be written");
  }
}
