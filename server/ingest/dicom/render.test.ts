import { describe, expect, it } from "vitest";
import { buildDicom, syntheticPixels, TS } from "@/tests/fixtures/dicom";
import { readDicomImage } from "./parse";
import { renderDicom } from "./render";

async function render(spec: Parameters<typeof buildDicom>[0]) {
  return renderDicom(await readDicomImage(await buildDicom(spec)));
}

// Expected values below are worked by hand from PS3.3 C.11.2.1.2.1 (the linear VOI function):
// y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, clamped below c - 0.5 - (w-1)/2 and above
// c - 0.5 + (w-1)/2, rounded to the nearest integer.
describe("rendering DICOM pixels", () => {
  it("applies the window from Window Center/Width", async () => {
    const out = await render({
      rows: 1,
      columns: 3,
      pixels: [0, 2048, 4095],
      bitsStored: 12,
      window: { center: 2048, width: 4096 },
    });
    // 0 -> 0; 2048 -> (0.5/4095 + 0.5) * 255 = 127.53 -> 128; 4095 -> 255.
    expect([...out.display]).toEqual([0, 128, 255]);
    expect(out.windowSource).toBe("window");
  });

  it("inverts MONOCHROME1 after windowing, and mirrors the 16-bit derivative", async () => {
    const out = await render({
      rows: 1,
      columns: 3,
      pixels: [0, 2048, 4095],
      bitsStored: 12,
      window: { center: 2048, width: 4096 },
      photometric: "MONOCHROME1",
    });
    expect([...out.display]).toEqual([255, 127, 0]);
    // Derivative = max - value: 4095, 2047, 0; the window centre mirrors to 4095 - 2048.
    expect([...out.full16!]).toEqual([4095, 2047, 0]);
    expect(out.window16).toEqual({ center: 2047, width: 4096 });
  });

  it("applies rescale slope and intercept before the window, on signed pixels", async () => {
    // Stored 512 * 2 - 1024 = 0 (the centre); -200 * 2 - 1024 = -1424 (below); 1500 -> 1976 (above).
    const out = await render({
      rows: 1,
      columns: 3,
      pixels: [512, -200, 1500],
      bitsStored: 12,
      signed: true,
      slope: 2,
      intercept: -1024,
      window: { center: 0, width: 2000 },
    });
    // 0 -> (0.5/1999 + 0.5) * 255 = 127.56 -> 128.
    expect([...out.display]).toEqual([128, 0, 255]);
    // Derivative = modality value - minimum (-1424): 1424, 0, 3400.
    expect([...out.full16!]).toEqual([1424, 0, 3400]);
  });

  it("uses the VOI LUT when no window is given", async () => {
    const out = await render({
      rows: 1,
      columns: 4,
      pixels: [99, 100, 101, 200],
      bitsStored: 12,
      voiLut: { firstMapped: 100, bits: 12, data: [0, 1000, 3000, 4095] },
    });
    // 99 clamps to the first entry (0); 101 -> 1000/4095*255 = 62.27 -> 62; 200 clamps to 4095.
    expect([...out.display]).toEqual([0, 0, 62, 255]);
    expect(out.windowSource).toBe("voi-lut");
  });

  it("falls back to a 0.5-99.5 percentile window", async () => {
    const pixels = Array.from({ length: 1000 }, (_, i) => i);
    const out = await render({ rows: 10, columns: 100, pixels, bitsStored: 12 });
    // The 0.5% tails are values 0-4 and 995-999: the window spans 5..994 (width 989).
    expect(out.windowSource).toBe("percentile");
    expect(out.display[5]).toBe(0);
    expect(out.display[995]).toBe(255);
    expect(out.display[500]).toBe(128);
  });

  it("keeps 8-bit sources without a derivative", async () => {
    const out = await render({
      rows: 1,
      columns: 2,
      pixels: [10, 200],
      bitsAllocated: 8,
      bitsStored: 8,
      window: { center: 128, width: 256 },
    });
    expect(out.full16).toBeNull();
    // 10 -> ((10 - 127.5)/255 + 0.5) * 255 = 10; 200 -> 200.
    expect([...out.display]).toEqual([10, 200]);
  });
});

describe("decoding transfer syntaxes", () => {
  // JPEG 2000's default five decomposition levels need at least 32 pixels a side.
  const rows = 48;
  const columns = 40;
  const pixels = syntheticPixels(rows, columns, 12);
  for (const [name, ts] of Object.entries({
    explicit: TS.explicit,
    implicit: TS.implicit,
    rle: TS.rle,
    jpegLossless: TS.jpegLossless,
    jpegLs: TS.jpegLs,
    j2k: TS.j2k,
  })) {
    it(`${name} decodes to the stored values exactly`, async () => {
      const image = await readDicomImage(
        await buildDicom({ rows, columns, pixels, bitsStored: 12, transferSyntax: ts }),
      );
      expect(image.transferSyntax).toBe(ts);
      expect([...image.frame.samples]).toEqual([...pixels]);
    });
  }

  it("JPEG baseline decodes 8-bit pixels within the codec's loss", async () => {
    const eight = Uint8Array.from(syntheticPixels(rows, columns, 8));
    const image = await readDicomImage(
      await buildDicom({
        rows,
        columns,
        pixels: eight,
        bitsAllocated: 8,
        bitsStored: 8,
        transferSyntax: TS.jpegBaseline,
      }),
    );
    const worst = Math.max(...[...image.frame.samples].map((v, i) => Math.abs(v - eight[i]!)));
    expect(worst).toBeLessThanOrEqual(12);
  });

  it("names an unsupported transfer syntax by its UID", async () => {
    const file = await buildDicom({
      rows,
      columns,
      pixels,
      bitsStored: 12,
      transferSyntax: TS.bigEndian,
    });
    await expect(readDicomImage(file)).rejects.toThrow(
      `unsupported transfer syntax ${TS.bigEndian}`,
    );
  });
});
