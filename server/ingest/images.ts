import sharp from "sharp";
import { IngestError } from "./errors";
import { deidentifyDicom, pseudonymUid, type DeidentificationRecord } from "./dicom/deidentify";
import { isDicomPart10, readDicomImage } from "./dicom/parse";
import { renderDicom } from "./dicom/render";
import { isJpeg, isPng, stripJpeg, stripPng } from "./strip";

export type ImageFormat = "dicom" | "png" | "jpeg";

/** Facts about a case's image kept in the database: geometry and rendering, no identifiers. */
export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /** Row then column spacing in mm, when the source gives it. */
  pixelSpacing: [number, number] | null;
  bitsStored: number;
  modality: string | null;
  transferSyntax: string | null;
  /** Default window of the 16-bit derivative, in its units. */
  window16: { center: number; width: number } | null;
  windowSource: string | null;
  /** Pseudonymized DICOM UIDs: images of one source study or series share them. */
  uids: { study: string | null; series: string | null; sop: string | null } | null;
}

export interface PreparedImage {
  info: ImageInfo;
  /** 8-bit PNG at full resolution, metadata-free. */
  display: Buffer;
  /** 16-bit greyscale PNG, or null for 8-bit sources. */
  full16: Buffer | null;
  thumbnail: Buffer;
  /** The de-identified source file, only when the admin asked to keep originals. */
  original: { bytes: Buffer; extension: string } | null;
  deidentification: DeidentificationRecord | MetadataRecord;
  /** Why the case must wait for an admin's review, or null. */
  heldReason: string | null;
}

export interface MetadataRecord {
  profile: "metadata stripped";
  options: string[];
  originalKept: boolean;
}

export const THUMBNAIL_WIDTH = 256;
/** Larger images are refused rather than decoded: 100 megapixels is far beyond any radiograph. */
const MAX_PIXELS = 100_000_000;
/** zlib level for derived PNGs: 3 costs a few per cent in size and halves the encoding time. */
const PNG_COMPRESSION = 3;

const SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7";

export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (isDicomPart10(bytes)) return "dicom";
  if (isPng(bytes)) return "png";
  if (isJpeg(bytes)) return "jpeg";
  return null;
}

function heldReasonFor(burnedIn: string | null, sopClass: string, conversionType: string | null) {
  if (burnedIn === "YES") {
    return "Burned In Annotation is YES: the image may show patient details; check the pixels before releasing it";
  }
  const secondary = sopClass.startsWith(SECONDARY_CAPTURE) || conversionType !== null;
  if (secondary && burnedIn !== "NO") {
    return "a secondary capture (converted image) that does not declare Burned In Annotation NO: it may carry burned-in text; check the pixels before releasing it";
  }
  return null;
}

async function derivatives(
  grey8: Uint8Array,
  grey16: Uint16Array | null,
  width: number,
  height: number,
): Promise<{ display: Buffer; full16: Buffer | null; thumbnail: Buffer }> {
  const raw = { width, height, channels: 1 as const };
  const [display, full16, thumbnail] = await Promise.all([
    sharp(grey8, { raw }).png({ compressionLevel: PNG_COMPRESSION }).toBuffer(),
    grey16
      ? sharp(grey16, { raw })
          .toColourspace("grey16")
          .png({ compressionLevel: PNG_COMPRESSION })
          .toBuffer()
      : Promise.resolve(null),
    sharp(grey8, { raw })
      .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer(),
  ]);
  return { display, full16, thumbnail };
}

async function prepareDicom(
  bytes: Buffer,
  studyKey: string,
  keep: boolean,
): Promise<PreparedImage> {
  const image = await readDicomImage(bytes);
  if (image.rows * image.columns > MAX_PIXELS) {
    throw new IngestError(
      `the image is ${image.columns}x${image.rows}, more than ${MAX_PIXELS / 1e6} megapixels`,
    );
  }
  const { record, file } = deidentifyDicom(bytes, studyKey, keep, image.pixelDataOffset);
  const rendered = renderDicom(image);
  const out = await derivatives(rendered.display, rendered.full16, rendered.width, rendered.height);
  const pseudo = (uid: string | null) => (uid ? pseudonymUid(uid, studyKey) : null);
  return {
    ...out,
    info: {
      format: "dicom",
      width: rendered.width,
      height: rendered.height,
      pixelSpacing: image.pixelSpacing,
      bitsStored: image.bitsStored,
      modality: image.modality,
      transferSyntax: image.transferSyntax,
      window16: rendered.window16,
      windowSource: rendered.windowSource,
      uids: {
        study: pseudo(image.instanceUids.study),
        series: pseudo(image.instanceUids.series),
        sop: pseudo(image.instanceUids.sop),
      },
    },
    original: file ? { bytes: file, extension: "dcm" } : null,
    deidentification: record,
    heldReason: heldReasonFor(image.burnedInAnnotation, image.sopClassUid, image.conversionType),
  };
}

async function prepareBitmap(
  bytes: Buffer,
  format: "png" | "jpeg",
  keep: boolean,
): Promise<PreparedImage> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch {
    throw new IngestError(`the ${format.toUpperCase()} file could not be read`);
  }
  if (meta.format !== format)
    throw new IngestError(`the file looks like ${format.toUpperCase()} but is not`);
  const isGrey16 = meta.format === "png" && meta.depth === "ushort" && (meta.channels ?? 1) <= 2;
  try {
    // rotate() applies the EXIF orientation before the EXIF is dropped with the rest.
    const base = () => sharp(bytes, { limitInputPixels: MAX_PIXELS }).rotate();
    const [display, full16, thumbnail] = await Promise.all([
      base()
        .toColourspace(meta.channels === 1 || meta.channels === 2 ? "b-w" : "srgb")
        .png({ compressionLevel: PNG_COMPRESSION })
        .toBuffer({ resolveWithObject: true }),
      isGrey16
        ? base().toColourspace("grey16").png({ compressionLevel: PNG_COMPRESSION }).toBuffer()
        : Promise.resolve(null),
      base()
        .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
        .jpeg({ quality: 80 })
        .toBuffer(),
    ]);
    const bitsStored = meta.depth === "ushort" ? 16 : 8;
    return {
      display: display.data,
      full16,
      thumbnail,
      info: {
        format,
        width: display.info.width,
        height: display.info.height,
        pixelSpacing: null,
        bitsStored,
        modality: null,
        transferSyntax: null,
        window16: isGrey16 ? { center: 32768, width: 65536 } : null,
        windowSource: null,
        uids: null,
      },
      original: keep
        ? {
            bytes: format === "png" ? stripPng(bytes) : stripJpeg(bytes),
            extension: format === "png" ? "png" : "jpg",
          }
        : null,
      deidentification: {
        profile: "metadata stripped",
        options: ["EXIF, XMP and text chunks removed", "orientation applied to the pixels"],
        originalKept: keep,
      },
      heldReason: null,
    };
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw new IngestError(`the ${format.toUpperCase()} image could not be decoded`);
  }
}

/**
 * Turns one source image into what is stored: derivatives without metadata, a record of the
 * de-identification, and a reason to hold the case when the pixels may carry identifiers.
 * The file type comes from its content; its name is not trusted.
 */
export async function prepareImage(
  bytes: Buffer,
  options: { studyKey: string; keepOriginal: boolean },
): Promise<PreparedImage> {
  const format = sniffFormat(bytes);
  if (!format)
    throw new IngestError("not a DICOM, PNG or JPEG image (judged by its content, not its name)");
  return format === "dicom"
    ? prepareDicom(bytes, options.studyKey, options.keepOriginal)
    : prepareBitmap(bytes, format, options.keepOriginal);
}
