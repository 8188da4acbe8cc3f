import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { csvCell } from "../lib/csv";
import dcmjs from "../ingest/dicom/dcmjs";
import sharp from "sharp";
import { createRng, deriveSeed } from "../lib/rng";
import { DEMO_SEED, demoCaseFindings } from "./seed";
import { findingTags, isNormal } from "./findings";
import { renderPhantom } from "./phantom";
import { writeRadiologyReport } from "./reports";

const SITES = ["North campus", "South campus"];

/**
 * Wraps a phantom as a 12-bit DICOM radiograph with made-up identifiers, as a PACS export
 * would carry real ones, so that importing it shows de-identification at work.
 */
async function phantomDicom(png: Buffer, caseId: string, index: number): Promise<Buffer> {
  const { data, info } = await sharp(png)
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint16Array(info.width * info.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = data[i]! * 16;
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const sop = `2.25.${BigInt(deriveSeed(DEMO_SEED, caseId)) * 1_000_003n + BigInt(index)}`;
  const meta = DicomMetaDictionary.denaturalizeDataset({
    MediaStorageSOPClassUID: "1.2.840.10008.5.1.4.1.1.1.1",
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: "1.2.840.10008.1.2.1",
    ImplementationClassUID: "2.25.1",
  });
  meta["00020001"] = { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] };
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: "1.2.840.10008.5.1.4.1.1.1.1",
    SOPInstanceUID: sop,
    StudyInstanceUID: `${sop}.1`,
    SeriesInstanceUID: `${sop}.2`,
    Modality: "DX",
    PatientName: `DEMO^PATIENT^${caseId}`,
    PatientID: `DEMO-MRN-${index + 1}`,
    PatientBirthDate: "19700101",
    StudyDate: "20240101",
    AccessionNumber: `DEMO-ACC-${index + 1}`,
    InstitutionName: "Demo Hospital",
    BurnedInAnnotation: "NO",
    Rows: info.height,
    Columns: info.width,
    SamplesPerPixel: 1,
    PhotometricInterpretation: "MONOCHROME2",
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    PixelSpacing: ["0.3", "0.3"],
    WindowCenter: "2048",
    WindowWidth: "4096",
  });
  dict.dict["7FE00010"] = { vr: "OW", Value: [pixels.buffer] };
  return Buffer.from(dict.write());
}

/**
 * Writes the demo cases as an importable dataset: manifest.csv plus one image per case
 * (PNG, or DICOM with made-up identifiers), the same cases and reports `npm start` seeds.
 */
export async function writeDemoDataset(
  dir: string,
  opts: { cases: number; format: "png" | "dicom"; size?: number },
): Promise<{ manifest: string; cases: number }> {
  await mkdir(path.join(dir, "images"), { recursive: true });
  const lines = ["case_id,image,report,label,finding_tags,site"];
  // The same phantoms in both formats, under different case ids so both fit in one study.
  const prefix = opts.format === "png" ? "DEMO" : "DEMO-DCM";
  for (const [index, f] of demoCaseFindings(opts.cases).entries()) {
    const number = String(index + 1).padStart(3, "0");
    const caseId = `${prefix}-${number}`;
    const caseSeed = deriveSeed(DEMO_SEED, `DEMO-${number}`);
    const png = await renderPhantom({ seed: caseSeed, findings: f, size: opts.size });
    const file = `images/${caseId}.${opts.format === "png" ? "png" : "dcm"}`;
    await writeFile(
      path.join(dir, file),
      opts.format === "png" ? png : await phantomDicom(png, caseId, index),
    );
    const report = writeRadiologyReport(f, createRng(deriveSeed(caseSeed, "report")));
    lines.push(
      [
        caseId,
        file,
        report,
        isNormal(f) ? "normal" : "abnormal",
        findingTags(f).join(";"),
        SITES[index % 2]!,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  const manifest = path.join(dir, "manifest.csv");
  await writeFile(manifest, lines.join("\n") + "\n");
  return { manifest, cases: opts.cases };
}
