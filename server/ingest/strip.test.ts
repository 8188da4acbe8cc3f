import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { jpegWithMetadata, pngWithMetadata } from "@/tests/fixtures/datasets";
import { PHI } from "@/tests/fixtures/dicom";
import { stripJpeg, stripPng } from "./strip";

const pixels = async (bytes: Buffer) => (await sharp(bytes).raw().toBuffer()).toString("hex");

describe("stripping metadata from kept originals", () => {
  it("drops PNG text and EXIF chunks and keeps the pixels", async () => {
    const source = await pngWithMetadata(3);
    expect(source.toString("latin1")).toContain(PHI.comment);
    const stripped = stripPng(source);
    expect(stripped.toString("latin1")).not.toContain(PHI.comment);
    expect(stripped.toString("latin1")).not.toContain(PHI.patientName);
    expect(await pixels(stripped)).toBe(await pixels(source));
  });

  it("drops JPEG EXIF and comments and keeps the entropy-coded data byte for byte", async () => {
    const source = await jpegWithMetadata(4);
    const stripped = stripJpeg(source);
    expect(stripped.toString("latin1")).not.toContain(PHI.comment);
    expect(stripped.toString("latin1")).not.toContain(PHI.patientName);
    expect(await pixels(stripped)).toBe(await pixels(source));
  });
});
