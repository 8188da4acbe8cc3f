// Declarations for packages that ship without TypeScript types (DICOM codecs, dcmjs, s3rver).

declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    decompress(buffer: ArrayBufferLike, offset?: number, length?: number): ArrayBuffer;
    numComp: number;
    numBytes: number;
  }
}

interface CornerstoneFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface CornerstoneDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): CornerstoneFrameInfo;
  delete?(): void;
}

interface CornerstoneEncoder {
  getDecodedBuffer(info: CornerstoneFrameInfo & { isUsingColorTransform?: boolean }): Uint8Array;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete?(): void;
}

interface EmscriptenOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

declare module "@cornerstonejs/codec-charls/wasmjs" {
  const factory: (options?: EmscriptenOptions) => Promise<{
    JpegLSDecoder: new () => CornerstoneDecoder;
    JpegLSEncoder: new () => CornerstoneEncoder;
  }>;
  export default factory;
}

declare module "@cornerstonejs/codec-openjpeg/wasmjs" {
  const factory: (options?: EmscriptenOptions) => Promise<{
    J2KDecoder: new () => CornerstoneDecoder;
    J2KEncoder: new () => CornerstoneEncoder;
  }>;
  export default factory;
}

declare module "dcmjs" {
  export interface DicomElement {
    vr: string;
    Value: unknown[];
  }
  export type DicomDataset = Record<string, DicomElement>;
  export class DicomDict {
    constructor(meta: DicomDataset);
    meta: DicomDataset;
    dict: DicomDataset;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: typeof DicomDict;
      DicomMessage: {
        readFile(
          buffer: ArrayBuffer,
          options?: { ignoreErrors?: boolean; noCopy?: boolean; untilTag?: string },
        ): DicomDict;
      };
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Record<string, unknown>): DicomDataset;
        naturalizeDataset(dataset: DicomDataset): Record<string, unknown>;
        uid(): string;
      };
    };
    log: {
      setLevel(level: string): void;
      getLogger(name: string): { setLevel(level: string): void };
    };
  };
  export default dcmjs;
}

declare module "s3rver" {
  export default class S3rver {
    constructor(options: { port: number; address: string; silent?: boolean; directory: string });
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
