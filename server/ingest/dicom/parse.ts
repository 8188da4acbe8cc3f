import { inflateRawSync } from "node:zlib";
import dicomParser, { type DataSet } from "dicom-parser";
import { IngestError } from "../errors";
import {
  TRANSFER_SYNTAXES,
  decodeEncapsulated,
  isNative,
  isSupportedTransferSyntax,
  type DecodedFrame,
  type TransferSyntax,
} from "./codecs";

export interface VoiLut {
  firstMapped: number;
  bitsPerEntry: number;
  data: Uint16Array;
}

/** What rendering needs from a DICOM image; identifying attributes are not read here. */
export interface DicomImage {
  transferSyntax: TransferSyntax;
  sopClassUid: string;
  modality: string | null;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  isSigned: boolean;
  photometric: string;
  slope: number;
  intercept: number;
  windows: { center: number; width: number }[];
  voiLut: VoiLut | null;
  /** Row spacing then column spacing, in mm (PixelSpacing, else ImagerPixelSpacing). */
  pixelSpacing: [number, number] | null;
  burnedInAnnotation: string | null;
  /** Offset of the pixel data element's value in the file (everything before is attributes). */
  pixelDataOffset: number;
  /** Source instance UIDs, read only to be replaced by pseudonyms; never stored. */
  instanceUids: { study: string | null; series: string | null; sop: string | null };
  conversionType: string | null;
  frame: DecodedFrame;
}

export function isDicomPart10(bytes: Uint8Array): boolean {
  return (
    bytes.length > 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

function parseDataSet(bytes: Uint8Array): DataSet {
  try {
    return dicomParser.parseDicom(bytes, {
      inflater: (arr: Uint8Array, position: number) => {
        const inflated = inflateRawSync(arr.subarray(position));
        const out = new Uint8Array(position + inflated.length);
        out.set(arr.subarray(0, position));
        out.set(inflated, position);
        return out;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (error) {
    // dicom-parser throws strings or objects; its messages carry no element values.
    const reason =
      typeof error === "string"
        ? error
        : error instanceof Error
          ? error.message
          : ((error as { exception?: string })?.exception ?? "unknown error");
    throw new IngestError(
      `not a readable DICOM Part 10 file (${reason.replace(/^dicomParser\.\w+: /, "")})`,
    );
  }
}

function requiredUint16(ds: DataSet, tag: string, name: string): number {
  const value = ds.uint16(tag);
  if (value === undefined) throw new IngestError(`the DICOM file has no ${name}`);
  return value;
}

function numbers(ds: DataSet, tag: string): number[] {
  const raw = ds.string(tag);
  if (!raw) return [];
  return raw
    .split("\\")
    .map((v) => Number.parseFloat(v))
    .filter((v) => Number.isFinite(v));
}

function readVoiLut(ds: DataSet, isSigned: boolean): VoiLut | null {
  const sequence = ds.elements.x00283010;
  const item = sequence?.items?.[0]?.dataSet;
  if (!item) return null;
  const descriptor = item.elements.x00283002;
  const lutData = item.elements.x00283006;
  if (!descriptor || !lutData) return null;
  const entries = item.uint16("x00283002", 0) || 65536;
  let firstMapped = item.uint16("x00283002", 1) ?? 0;
  if (isSigned && firstMapped > 32767) firstMapped -= 65536;
  const bitsPerEntry = item.uint16("x00283002", 2) ?? 16;
  const data = new Uint16Array(entries);
  for (let i = 0; i < entries; i++) {
    data[i] =
      lutData.length >= entries * 2
        ? item.uint16("x00283006", i)!
        : (item.byteArray[lutData.dataOffset + i] ?? 0);
  }
  return { firstMapped, bitsPerEntry, data };
}

function nativeFrame(
  ds: DataSet,
  geometry: {
    rows: number;
    columns: number;
    bitsAllocated: number;
    samplesPerPixel: number;
    planar: number;
  },
): DecodedFrame {
  const element = ds.elements.x7fe00010;
  if (!element) throw new IngestError("the DICOM file has no pixel data");
  const count = geometry.rows * geometry.columns * geometry.samplesPerPixel;
  const bytes = (count * geometry.bitsAllocated) / 8;
  if (element.length < bytes) {
    throw new IngestError(
      `the pixel data holds ${element.length} bytes where Rows x Columns x BitsAllocated needs ${bytes}`,
    );
  }
  const start = ds.byteArray.byteOffset + element.dataOffset;
  let samples: Uint8Array | Uint16Array;
  if (geometry.bitsAllocated === 8) {
    samples = new Uint8Array(ds.byteArray.buffer, start, count);
  } else if (start % 2 === 0) {
    samples = new Uint16Array(ds.byteArray.buffer, start, count);
  } else {
    samples = new Uint16Array(
      ds.byteArray.slice(element.dataOffset, element.dataOffset + bytes).buffer,
    );
  }
  if (geometry.samplesPerPixel > 1 && geometry.planar === 1) {
    // Planar (RRR...GGG...BBB) to interleaved, which rendering expects.
    const planes = geometry.samplesPerPixel;
    const pixels = geometry.rows * geometry.columns;
    const interleaved = new (samples.constructor as Uint8ArrayConstructor)(count);
    for (let p = 0; p < planes; p++) {
      for (let i = 0; i < pixels; i++) interleaved[i * planes + p] = samples[p * pixels + i]!;
    }
    samples = interleaved;
  }
  return { samples, samplesPerPixel: geometry.samplesPerPixel };
}

async function encapsulatedFrame(
  ds: DataSet,
  uid: TransferSyntax,
  geometry: {
    rows: number;
    columns: number;
    bitsAllocated: number;
    samplesPerPixel: number;
    isSigned: boolean;
  },
  frames: number,
): Promise<DecodedFrame> {
  const element = ds.elements.x7fe00010;
  if (!element?.encapsulatedPixelData || !element.fragments?.length) {
    throw new IngestError(
      `the transfer syntax ${uid} needs encapsulated pixel data, which the file lacks`,
    );
  }
  let data: Uint8Array;
  if (frames <= 1) {
    data = dicomParser.readEncapsulatedPixelDataFromFragments(
      ds,
      element,
      0,
      element.fragments.length,
    );
  } else if (element.basicOffsetTable?.length) {
    data = dicomParser.readEncapsulatedImageFrame(ds, element, 0);
  } else if (element.fragments.length === frames) {
    data = dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, 1);
  } else {
    data = dicomParser.readEncapsulatedImageFrame(
      ds,
      element,
      0,
      dicomParser.createJPEGBasicOffsetTable(ds, element),
    );
  }
  return decodeEncapsulated(uid, data, geometry);
}

/** Reads the attributes rendering needs and decodes the first frame. */
export async function readDicomImage(bytes: Uint8Array): Promise<DicomImage> {
  if (!isDicomPart10(bytes)) throw new IngestError("not a DICOM Part 10 file (no DICM prefix)");
  const ds = parseDataSet(bytes);
  const uid = (ds.string("x00020010") ?? "").replace(/\0/g, "").trim();
  if (!isSupportedTransferSyntax(uid)) {
    throw new IngestError(
      `unsupported transfer syntax ${uid || "(none given)"}; supported: ${Object.keys(TRANSFER_SYNTAXES).join(", ")}`,
    );
  }
  const rows = requiredUint16(ds, "x00280010", "Rows");
  const columns = requiredUint16(ds, "x00280011", "Columns");
  const bitsAllocated = requiredUint16(ds, "x00280100", "Bits Allocated");
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new IngestError(`Bits Allocated ${bitsAllocated} is not supported (8 or 16 are)`);
  }
  const bitsStored = ds.uint16("x00280101") ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new IngestError(`Bits Stored ${bitsStored} does not fit Bits Allocated ${bitsAllocated}`);
  }
  const samplesPerPixel = ds.uint16("x00280002") ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new IngestError(`Samples per Pixel ${samplesPerPixel} is not supported (1 or 3 are)`);
  }
  const isSigned = (ds.uint16("x00280103") ?? 0) === 1;
  const photometric = (
    ds.string("x00280004") ?? (samplesPerPixel === 1 ? "MONOCHROME2" : "RGB")
  ).trim();
  const frames = ds.intString("x00280008") ?? 1;
  const geometry = {
    rows,
    columns,
    bitsAllocated,
    samplesPerPixel,
    isSigned,
    planar: ds.uint16("x00280006") ?? 0,
  };
  const frame = isNative(uid)
    ? nativeFrame(ds, geometry)
    : await encapsulatedFrame(ds, uid, geometry, frames);

  const centers = numbers(ds, "x00281050");
  const widths = numbers(ds, "x00281051");
  const windows = centers
    .map((center, i) => ({ center, width: widths[i] ?? Number.NaN }))
    .filter((w) => Number.isFinite(w.width) && w.width >= 1);
  const spacing = numbers(ds, "x00280030");
  const imagerSpacing = numbers(ds, "x00181164");
  const pick = spacing.length === 2 ? spacing : imagerSpacing.length === 2 ? imagerSpacing : null;
  return {
    transferSyntax: uid,
    sopClassUid: (ds.string("x00080016") ?? "").trim(),
    modality: ds.string("x00080060")?.trim() || null,
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    isSigned,
    photometric,
    slope: numbers(ds, "x00281053")[0] ?? 1,
    intercept: numbers(ds, "x00281052")[0] ?? 0,
    windows,
    voiLut: readVoiLut(ds, isSigned),
    pixelSpacing: pick ? [pick[0]!, pick[1]!] : null,
    burnedInAnnotation: ds.string("x00280301")?.trim().toUpperCase() || null,
    conversionType: ds.string("x00080064")?.trim() || null,
    pixelDataOffset: ds.elements.x7fe00010?.dataOffset ?? bytes.byteLength,
    instanceUids: {
      study: ds.string("x0020000d")?.trim() || null,
      series: ds.string("x0020000e")?.trim() || null,
      sop: ds.string("x00080018")?.trim() || null,
    },
    frame,
  };
}
