import sharp from "sharp";
import { Decoder as JpegLosslessDecoder } from "jpeg-lossless-decoder-js";
import { IngestError } from "../errors";

export const TRANSFER_SYNTAXES = {
  "1.2.840.10008.1.2": "Implicit VR Little Endian",
  "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
  "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
  "1.2.840.10008.1.2.5": "RLE Lossless",
  "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
  "1.2.840.10008.1.2.4.57": "JPEG Lossless (Process 14)",
  "1.2.840.10008.1.2.4.70": "JPEG Lossless (Process 14, SV1)",
  "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
  "1.2.840.10008.1.2.4.81": "JPEG-LS Near-Lossless",
  "1.2.840.10008.1.2.4.90": "JPEG 2000 (Lossless Only)",
  "1.2.840.10008.1.2.4.91": "JPEG 2000",
} as const;

export type TransferSyntax = keyof typeof TRANSFER_SYNTAXES;

const NATIVE = new Set(["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99"]);

export function isSupportedTransferSyntax(uid: string): uid is TransferSyntax {
  return uid in TRANSFER_SYNTAXES;
}

export function isNative(uid: TransferSyntax): boolean {
  return NATIVE.has(uid);
}

/** Decoded samples of one frame, interleaved when there are several per pixel. */
export interface DecodedFrame {
  /** 8-bit samples, or 16-bit ones as stored (signed samples are read through the LUT). */
  samples: Uint8Array | Uint16Array;
  samplesPerPixel: number;
}

interface FrameGeometry {
  rows: number;
  columns: number;
  bitsAllocated: number;
  samplesPerPixel: number;
  isSigned: boolean;
}

/**
 * The WebAssembly codecs load once per process, on first use (their bindings cannot be
 * registered twice). OpenJPEG prints progress on stdout; it is silenced. Each module gets its
 * own options object: Emscripten adopts it as the module, so sharing one would merge them.
 */
const silent = () => ({ print: () => undefined, printErr: () => undefined });
let charls: ReturnType<typeof instantiateCharls> | undefined;
let openjpeg: ReturnType<typeof instantiateOpenJpeg> | undefined;
async function instantiateCharls() {
  const { default: factory } = await import("@cornerstonejs/codec-charls/wasmjs");
  return factory(silent());
}
async function instantiateOpenJpeg() {
  const { default: factory } = await import("@cornerstonejs/codec-openjpeg/wasmjs");
  return factory(silent());
}
export function loadCharls() {
  charls ??= instantiateCharls();
  return charls;
}
export function loadOpenJpeg() {
  openjpeg ??= instantiateOpenJpeg();
  return openjpeg;
}

function asSamples(bytes: Uint8Array, bitsPerSample: number): Uint8Array | Uint16Array {
  if (bitsPerSample <= 8) return new Uint8Array(bytes);
  // A fresh, aligned copy: decoder buffers live in WebAssembly memory that the next call reuses.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Uint16Array(copy.buffer, 0, copy.byteLength >> 1);
}

function checkSize(frame: DecodedFrame, geometry: FrameGeometry, codec: string): DecodedFrame {
  const expected = geometry.rows * geometry.columns * frame.samplesPerPixel;
  if (frame.samples.length < expected) {
    throw new IngestError(
      `the ${codec} pixel data holds ${frame.samples.length} samples where Rows x Columns needs ${expected}`,
    );
  }
  return frame;
}

async function decodeWasm(
  decoder: CornerstoneDecoder,
  data: Uint8Array,
  geometry: FrameGeometry,
  codec: string,
): Promise<DecodedFrame> {
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width !== geometry.columns || info.height !== geometry.rows) {
      throw new IngestError(
        `the ${codec} image is ${info.width}x${info.height} but the header says ${geometry.columns}x${geometry.rows}`,
      );
    }
    return checkSize(
      {
        samples: asSamples(decoder.getDecodedBuffer(), info.bitsPerSample),
        samplesPerPixel: info.componentCount,
      },
      geometry,
      codec,
    );
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw new IngestError(`the ${codec} pixel data could not be decoded`);
  } finally {
    decoder.delete?.();
  }
}

/** PackBits segments of DICOM RLE (PS3.5 Annex G): one segment per byte plane. */
export function decodeRle(data: Uint8Array, geometry: FrameGeometry): DecodedFrame {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 64) throw new IngestError("the RLE pixel data has no header");
  const segments = view.getUint32(0, true);
  const bytesPerSample = geometry.bitsAllocated / 8;
  if (segments !== geometry.samplesPerPixel * bytesPerSample) {
    throw new IngestError(
      `the RLE pixel data has ${segments} segments; the header implies ${geometry.samplesPerPixel * bytesPerSample}`,
    );
  }
  const pixels = geometry.rows * geometry.columns;
  const out = new Uint8Array(pixels * geometry.samplesPerPixel * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.byteLength;
    if (start < 64 || end > data.byteLength || end < start) {
      throw new IngestError("the RLE pixel data has a segment outside the data");
    }
    // Segments run most significant byte first; samples are stored little endian here.
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = geometry.samplesPerPixel * bytesPerSample;
    let target = sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (data[i++]! << 24) >> 24;
      if (n >= 0) {
        for (let k = 0; k <= n && i < end && written < pixels; k++, written++) {
          out[target] = data[i++]!;
          target += stride;
        }
      } else if (n !== -128) {
        const value = data[i++]!;
        for (let k = 0; k < 1 - n && written < pixels; k++, written++) {
          out[target] = value;
          target += stride;
        }
      }
    }
    if (written < pixels) throw new IngestError("the RLE pixel data ends before the image does");
  }
  return {
    samples: bytesPerSample === 2 ? new Uint16Array(out.buffer) : out,
    samplesPerPixel: geometry.samplesPerPixel,
  };
}

/** Decodes one frame of encapsulated pixel data. */
export async function decodeEncapsulated(
  uid: TransferSyntax,
  data: Uint8Array,
  geometry: FrameGeometry,
): Promise<DecodedFrame> {
  switch (uid) {
    case "1.2.840.10008.1.2.5":
      return decodeRle(data, geometry);
    case "1.2.840.10008.1.2.4.50": {
      try {
        // libvips reads a greyscale JPEG as three equal bands; one sample per pixel is one band.
        const image = sharp(data);
        const { data: raw, info } = await (
          geometry.samplesPerPixel === 1 ? image.extractChannel(0) : image
        )
          .raw()
          .toBuffer({ resolveWithObject: true });
        return checkSize(
          {
            samples: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
            samplesPerPixel: info.channels,
          },
          geometry,
          "JPEG baseline",
        );
      } catch (error) {
        if (error instanceof IngestError) throw error;
        throw new IngestError("the JPEG baseline pixel data could not be decoded");
      }
    }
    case "1.2.840.10008.1.2.4.57":
    case "1.2.840.10008.1.2.4.70": {
      try {
        const decoder = new JpegLosslessDecoder();
        const copy = new Uint8Array(data);
        const decoded = decoder.decompress(copy.buffer, 0, copy.byteLength);
        const bytes = new Uint8Array(decoded);
        const samplesPerPixel = decoder.numComp;
        return checkSize(
          {
            samples: decoder.numBytes > 1 ? new Uint16Array(bytes.slice().buffer) : bytes,
            samplesPerPixel,
          },
          geometry,
          "JPEG lossless",
        );
      } catch (error) {
        if (error instanceof IngestError) throw error;
        throw new IngestError("the JPEG lossless pixel data could not be decoded");
      }
    }
    case "1.2.840.10008.1.2.4.80":
    case "1.2.840.10008.1.2.4.81": {
      const codec = await loadCharls();
      return decodeWasm(new codec.JpegLSDecoder(), data, geometry, "JPEG-LS");
    }
    case "1.2.840.10008.1.2.4.90":
    case "1.2.840.10008.1.2.4.91": {
      const codec = await loadOpenJpeg();
      return decodeWasm(new codec.J2KDecoder(), data, geometry, "JPEG 2000");
    }
    default:
      throw new IngestError(`unsupported transfer syntax ${uid}`);
  }
}
