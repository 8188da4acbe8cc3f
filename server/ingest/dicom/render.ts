import type { DicomImage } from "./parse";

export type WindowSource = "window" | "voi-lut" | "percentile";

export interface RenderedImage {
  width: number;
  height: number;
  /** One 8-bit grey sample per pixel, presentation-ready (VOI applied, MONOCHROME1 inverted). */
  display: Uint8Array;
  /**
   * Full-depth grey samples (MONOCHROME2: higher is brighter) for windowing in the viewer;
   * null when the source has no more than 8 bits.
   */
  full16: Uint16Array | null;
  /** The default window in full16's units. */
  window16: { center: number; width: number } | null;
  /** full16 = (modality value - offset) * scale, mirrored for MONOCHROME1. */
  full16Mapping: { offset: number; scale: number; inverted: boolean } | null;
  windowSource: WindowSource;
}

/** Share of pixels left out at each end by the percentile window. */
const PERCENTILE_TAIL = 0.005;

function storedValue(raw: number, bitsStored: number, isSigned: boolean): number {
  const masked = bitsStored >= 32 ? raw : raw & ((1 << bitsStored) - 1);
  if (!isSigned) return masked;
  const signBit = 1 << (bitsStored - 1);
  return masked & signBit ? masked - (1 << bitsStored) : masked;
}

/** PS3.3 C.11.2.1.2.1: the linear VOI function, to 0..1. */
function linearWindow(x: number, center: number, width: number): number {
  if (width <= 1) return x < center - 0.5 ? 0 : 1;
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  if (x <= low) return 0;
  if (x > high) return 1;
  return (x - (center - 0.5)) / (width - 1) + 0.5;
}

function percentileWindow(
  values: Float64Array,
  counts: Uint32Array,
  present: number[],
  total: number,
): { center: number; width: number } {
  const order = [...present].sort((a, b) => values[a]! - values[b]!);
  const lowTarget = total * PERCENTILE_TAIL;
  const highTarget = total * (1 - PERCENTILE_TAIL);
  let seen = 0;
  let low = values[order[0]!]!;
  let high = values[order[order.length - 1]!]!;
  let lowFound = false;
  for (const raw of order) {
    seen += counts[raw]!;
    if (!lowFound && seen > lowTarget) {
      low = values[raw]!;
      lowFound = true;
    }
    if (seen >= highTarget) {
      high = values[raw]!;
      break;
    }
  }
  const width = Math.max(high - low, 1);
  return { center: low + width / 2, width };
}

function renderColour(image: DicomImage): RenderedImage {
  const { rows, columns, frame } = image;
  const pixels = rows * columns;
  const display = new Uint8Array(pixels);
  const shift = Math.max(0, image.bitsStored - 8);
  const s = frame.samples;
  for (let i = 0, j = 0; i < pixels; i++, j += frame.samplesPerPixel) {
    const luma =
      0.299 * (s[j]! >> shift) + 0.587 * (s[j + 1]! >> shift) + 0.114 * (s[j + 2]! >> shift);
    display[i] = Math.min(255, Math.round(luma));
  }
  return {
    width: columns,
    height: rows,
    display,
    full16: null,
    window16: null,
    full16Mapping: null,
    windowSource: "window",
  };
}

/**
 * Turns stored pixel values into a display image and a full-depth derivative. Every step is
 * a lookup table indexed by the raw sample, so each image is read twice (histogram, map)
 * whatever the transforms.
 */
export function renderDicom(image: DicomImage): RenderedImage {
  if (image.frame.samplesPerPixel === 3) return renderColour(image);
  const { rows, columns, frame, bitsStored, isSigned, slope, intercept } = image;
  const pixels = rows * columns;
  const samples = frame.samples;
  const size = samples instanceof Uint8Array ? 256 : 65536;

  const counts = new Uint32Array(size);
  for (let i = 0; i < pixels; i++) counts[samples[i]!]!++;

  const values = new Float64Array(size);
  const present: number[] = [];
  let minM = Infinity;
  let maxM = -Infinity;
  for (let raw = 0; raw < size; raw++) {
    if (counts[raw] === 0) continue;
    const m = storedValue(raw, bitsStored, isSigned) * slope + intercept;
    values[raw] = m;
    present.push(raw);
    if (m < minM) minM = m;
    if (m > maxM) maxM = m;
  }

  const inverted = image.photometric === "MONOCHROME1";
  let windowSource: WindowSource;
  let voi: (m: number) => number;
  const given = image.windows[0];
  const percentile = percentileWindow(values, counts, present, pixels);
  if (given) {
    windowSource = "window";
    voi = (m) => linearWindow(m, given.center, given.width);
  } else if (image.voiLut) {
    windowSource = "voi-lut";
    const lut = image.voiLut;
    const top = 2 ** lut.bitsPerEntry - 1;
    const last = lut.data.length - 1;
    voi = (m) => {
      const index = Math.min(last, Math.max(0, Math.round(m) - lut.firstMapped));
      return lut.data[index]! / top;
    };
  } else {
    windowSource = "percentile";
    voi = (m) => linearWindow(m, percentile.center, percentile.width);
  }

  const keepDepth = bitsStored > 8;
  const range = maxM - minM;
  const scale = range <= 65535 ? 1 : 65535 / range;
  const lut8 = new Uint8Array(size);
  const lut16 = keepDepth ? new Uint16Array(size) : null;
  for (const raw of present) {
    const m = values[raw]!;
    const y = Math.round(Math.min(1, Math.max(0, voi(m))) * 255);
    lut8[raw] = inverted ? 255 - y : y;
    if (lut16) lut16[raw] = Math.round((inverted ? maxM - m : m - minM) * scale);
  }

  const display = new Uint8Array(pixels);
  let full16: Uint16Array | null = null;
  let window16: RenderedImage["window16"] = null;
  if (!lut16) {
    for (let i = 0; i < pixels; i++) display[i] = lut8[samples[i]!]!;
  } else {
    full16 = new Uint16Array(pixels);
    // One pass for both outputs: the image is the largest thing this reads.
    for (let i = 0; i < pixels; i++) {
      const raw = samples[i]!;
      display[i] = lut8[raw]!;
      full16[i] = lut16[raw]!;
    }
    const w = given ?? percentile;
    window16 = {
      center: (inverted ? maxM - w.center : w.center - minM) * scale,
      width: w.width * scale,
    };
  }
  return {
    width: columns,
    height: rows,
    display,
    full16,
    window16,
    full16Mapping: lut16 ? { offset: inverted ? maxM : minM, scale, inverted } : null,
    windowSource,
  };
}
