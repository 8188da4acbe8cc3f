/**
 * DICOM PS3.15 Annex E, Table E.1-1: the Basic Application Level Confidentiality Profile's
 * actions for the attributes it lists that occur in radiography objects.
 *   X remove, Z empty value, U replace the UID with a pseudonym.
 * (D, replace with a dummy, is applied as Z: no dummy value is needed by anything here.)
 * Attributes not listed are handled by rule in deidentify.ts: private tags, person names,
 * dates and times, free text and instance UIDs.
 */
export type ProfileAction = "X" | "Z" | "U";

const X = "X" as const;
const Z = "Z" as const;
const U = "U" as const;

export const BASIC_PROFILE: Readonly<Record<string, ProfileAction>> = {
  "00080014": U, // Instance Creator UID
  "00080018": U, // SOP Instance UID
  "00080020": Z, // Study Date
  "00080021": X, // Series Date
  "00080022": X, // Acquisition Date
  "00080023": Z, // Content Date
  "00080024": X, // Overlay Date
  "00080025": X, // Curve Date
  "0008002A": X, // Acquisition DateTime
  "00080030": Z, // Study Time
  "00080031": X, // Series Time
  "00080032": X, // Acquisition Time
  "00080033": Z, // Content Time
  "00080034": X, // Overlay Time
  "00080035": X, // Curve Time
  "00080050": Z, // Accession Number
  "00080058": U, // Failed SOP Instance UID List
  "00080080": X, // Institution Name
  "00080201": X, // Timezone Offset From UTC
  "00080081": X, // Institution Address
  "00080082": X, // Institution Code Sequence
  "00080090": Z, // Referring Physician's Name
  "00080092": X, // Referring Physician's Address
  "00080094": X, // Referring Physician's Telephone Numbers
  "00080096": X, // Referring Physician Identification Sequence
  "00081010": X, // Station Name
  "00081030": X, // Study Description
  "0008103E": X, // Series Description
  "00081040": X, // Institutional Department Name
  "00081048": X, // Physician(s) of Record
  "00081049": X, // Physician(s) of Record Identification Sequence
  "00081050": X, // Performing Physicians' Name
  "00081052": X, // Performing Physician Identification Sequence
  "00081060": X, // Name of Physician(s) Reading Study
  "00081062": X, // Physician(s) Reading Study Identification Sequence
  "00081070": X, // Operators' Name
  "00081072": X, // Operators' Identification Sequence
  "00081080": X, // Admitting Diagnoses Description
  "00081084": X, // Admitting Diagnoses Code Sequence
  "00081110": X, // Referenced Study Sequence
  "00081111": X, // Referenced Performed Procedure Step Sequence
  "00081120": X, // Referenced Patient Sequence
  "00081155": U, // Referenced SOP Instance UID
  "00082111": X, // Derivation Description
  "00083010": U, // Irradiation Event UID
  "00084000": X, // Identifying Comments
  "00100010": Z, // Patient's Name
  "00100020": Z, // Patient ID
  "00100021": X, // Issuer of Patient ID
  "00100030": Z, // Patient's Birth Date
  "00100032": X, // Patient's Birth Time
  "00100033": X, // Patient's Birth Date in Alternative Calendar
  "00100034": X, // Patient's Death Date in Alternative Calendar
  "00100040": Z, // Patient's Sex
  "00100050": X, // Patient's Insurance Plan Code Sequence
  "00101000": X, // Other Patient IDs
  "00101001": X, // Other Patient Names
  "00101002": X, // Other Patient IDs Sequence
  "00101005": X, // Patient's Birth Name
  "00101010": X, // Patient's Age
  "00101020": X, // Patient's Size
  "00101030": X, // Patient's Weight
  "00101040": X, // Patient's Address
  "00101060": X, // Patient's Mother's Birth Name
  "00101080": X, // Military Rank
  "00101081": X, // Branch of Service
  "00101090": X, // Medical Record Locator
  "00102000": X, // Medical Alerts
  "00102110": X, // Allergies
  "00102150": X, // Country of Residence
  "00102152": X, // Region of Residence
  "00102154": X, // Patient's Telephone Numbers
  "00102160": X, // Ethnic Group
  "00102180": X, // Occupation
  "001021A0": X, // Smoking Status
  "001021B0": X, // Additional Patient History
  "001021C0": X, // Pregnancy Status
  "001021D0": X, // Last Menstrual Date
  "001021F0": X, // Patient's Religious Preference
  "00102299": X, // Responsible Organization
  "00104000": X, // Patient Comments
  "00181000": X, // Device Serial Number
  "00181002": U, // Device UID
  "00181004": X, // Plate ID
  "00181005": X, // Generator ID
  "00181007": X, // Cassette ID
  "00181008": X, // Gantry ID
  "00181030": X, // Protocol Name
  "00181400": X, // Acquisition Device Processing Description
  "00184000": X, // Acquisition Comments
  "0018700A": X, // Detector ID
  "00189424": X, // Acquisition Protocol Description
  "0020000D": U, // Study Instance UID
  "0020000E": U, // Series Instance UID
  "00200010": Z, // Study ID
  "00200052": U, // Frame of Reference UID
  "00200200": U, // Synchronization Frame of Reference UID
  "00204000": X, // Image Comments
  "00209161": U, // Concatenation UID
  "00281199": U, // Palette Color Lookup Table UID
  "00284000": X, // Image Presentation Comments
  "00320012": X, // Study ID Issuer
  "00321032": X, // Requesting Physician
  "00321033": X, // Requesting Service
  "00321020": X, // Scheduled Study Location
  "00321021": X, // Scheduled Study Location AE Title
  "00321060": X, // Requested Procedure Description
  "00321070": X, // Requested Contrast Agent
  "00324000": X, // Study Comments
  "00380010": X, // Admission ID
  "00380060": X, // Service Episode ID
  "00380062": X, // Service Episode Description
  "00380300": X, // Current Patient Location
  "00380400": X, // Patient's Institution Residence
  "00380500": X, // Patient State
  "00384000": X, // Visit Comments
  "00400006": X, // Scheduled Performing Physician's Name
  "00400007": X, // Scheduled Procedure Step Description
  "00400009": X, // Scheduled Procedure Step ID
  "00400010": X, // Scheduled Station Name
  "00400011": X, // Scheduled Procedure Step Location
  "00400241": X, // Performed Station AE Title
  "00400242": X, // Performed Station Name
  "00400243": X, // Performed Location
  "00400244": X, // Performed Procedure Step Start Date
  "00400245": X, // Performed Procedure Step Start Time
  "00400253": X, // Performed Procedure Step ID
  "00400254": X, // Performed Procedure Step Description
  "00400275": X, // Request Attributes Sequence
  "00400280": X, // Comments on the Performed Procedure Step
  "00401001": X, // Requested Procedure ID
  "00401002": X, // Reason for the Requested Procedure
  "00401004": X, // Patient Transport Arrangements
  "00401005": X, // Requested Procedure Location
  "00401010": X, // Names of Intended Recipients of Results
  "00401400": X, // Requested Procedure Comments
  "00402001": X, // Reason for the Imaging Service Request
  "00402016": Z, // Placer Order Number / Imaging Service Request
  "00402017": Z, // Filler Order Number / Imaging Service Request
  "00402400": X, // Imaging Service Request Comments
  "0040A124": U, // UID
  "0040A027": X, // Verifying Organization
  "0040A730": X, // Content Sequence
  "00700084": Z, // Content Creator's Name
  "00880140": U, // Storage Media File-set UID
  "00880200": X, // Icon Image Sequence (a small image that can show burned-in text)
  "04000561": X, // Original Attributes Sequence
  "30060024": U, // Referenced Frame of Reference UID
  "300600C2": U, // Related Frame of Reference UID
  "40080114": X, // Physician Approving Interpretation
  "40080119": X, // Distribution Name
  "4008011A": X, // Distribution Address
  "40080300": X, // Impressions
  "40084000": X, // Results Comments
  FFFAFFFA: X, // Digital Signatures Sequence
};

/** Repeating groups the profile removes: curve data (50xx) and overlay data and comments (60xx). */
export function repeatingGroupAction(tag: string): ProfileAction | null {
  if (tag.startsWith("50")) return X;
  if (tag.startsWith("60") && (tag.endsWith("3000") || tag.endsWith("4000"))) return X;
  return null;
}

/** UIDs that name classes or syntaxes, not instances: kept as they are. */
export const CLASS_UIDS: ReadonlySet<string> = new Set([
  "00020002", // Media Storage SOP Class UID
  "00020010", // Transfer Syntax UID
  "00020012", // Implementation Class UID
  "00080016", // SOP Class UID
  "00081150", // Referenced SOP Class UID
  "0008010C", // Coding Scheme UID
  "00080062", // SOP Classes in Study
]);
