import dicomParser from "dicom-parser";
import { describe, expect, it } from "vitest";
import { buildDicom, PHI, syntheticPixels } from "@/tests/fixtures/dicom";
import { deidentifyDicom, pseudonymUid } from "./deidentify";

const file = (sop: string) =>
  buildDicom({
    rows: 8,
    columns: 8,
    pixels: syntheticPixels(8, 8, 12),
    bitsStored: 12,
    sopInstance: sop,
  });

describe("de-identification", () => {
  it("removes, empties and replaces what the profile lists, and every private tag", async () => {
    const { file: out, record } = deidentifyDicom(
      await file(`${PHI.sopUidPrefix}5`),
      "study-key",
      true,
    );
    const text = out!.toString("latin1");
    for (const value of Object.values(PHI)) expect(text).not.toContain(value);
    const ds = dicomParser.parseDicom(new Uint8Array(out!));
    expect(ds.string("x00100010") ?? "").toBe(""); // Z: emptied, still present
    expect(ds.elements.x00100010).toBeDefined();
    expect(ds.elements.x00204000).toBeUndefined(); // X: Image Comments removed
    expect(ds.elements.x00080080).toBeUndefined(); // X: Institution Name removed
    expect(ds.elements.x00091010).toBeUndefined(); // private
    expect(ds.elements.x00291020).toBeUndefined(); // private
    expect(ds.uint16("x00280010")).toBe(8); // image attributes are kept
    expect(ds.string("x00120062")).toBe("YES");
    expect(record.privateRemoved).toBe(2);
    expect(record.originalKept).toBe(true);
  });

  it("maps each UID to one pseudonym per study, keeping references between files", async () => {
    const a = deidentifyDicom(await file(`${PHI.sopUidPrefix}77`), "key-1", true).file!;
    const b = deidentifyDicom(await file(`${PHI.sopUidPrefix}1`), "key-1", true).file!;
    const pa = dicomParser.parseDicom(new Uint8Array(a));
    const pb = dicomParser.parseDicom(new Uint8Array(b));
    // The fixture's Referenced Image Sequence points at ...77, which is file a's SOP instance.
    const reference = pb.elements.x00081140!.items![0]!.dataSet!.string("x00081155");
    expect(reference).toBe(pa.string("x00080018"));
    expect(pa.string("x0020000d")).toBe(pb.string("x0020000d"));
    expect(pseudonymUid(PHI.studyUid, "key-1")).toBe(pa.string("x0020000d"));
    expect(pseudonymUid(PHI.studyUid, "key-2")).not.toBe(pa.string("x0020000d"));
    expect(pseudonymUid(PHI.studyUid, "key-1")).toMatch(/^2\.25\.\d{1,39}$/);
  });

  it("only reads the attributes when the original is not kept", async () => {
    const { file: out, record } = deidentifyDicom(await file(`${PHI.sopUidPrefix}5`), "k", false);
    expect(out).toBeNull();
    expect(record.originalKept).toBe(false);
    expect(record.tags).toContain("(0010,0010)");
  });
});
