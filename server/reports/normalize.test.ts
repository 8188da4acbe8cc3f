import { describe, expect, it } from "vitest";
import { normalizeReport } from "./normalize";

describe("normalizeReport", () => {
  it("gives two differently formatted reports with the same content the same text", () => {
    const radiologist =
      "FINDINGS:  heart size is normal.\nLungs are clear.\n\nIMPRESSION: No acute disease";
    const model =
      "<s>Findings: Heart size is normal. lungs are clear. Impression:\n1. no acute disease.</s>";
    expect(normalizeReport(radiologist)).toBe(normalizeReport(model));
    expect(normalizeReport(radiologist)).toBe(
      "Findings:\nHeart size is normal. Lungs are clear.\n\nImpression:\nNo acute disease.",
    );
  });

  it("numbers multi-sentence impressions and removes list markers of any kind", () => {
    const text = "Findings: Cardiomegaly. Impression: - Cardiomegaly\n- Small left effusion";
    expect(normalizeReport(text)).toBe(
      "Findings:\nCardiomegaly.\n\nImpression:\n1. Cardiomegaly.\n2. Small left effusion.",
    );
  });

  it("removes special tokens and repeated sentences, model artefacts", () => {
    const text =
      "[CLS] findings: there is a small right pleural effusion. there is a small right pleural effusion. [SEP] <|endoftext|>";
    expect(normalizeReport(text)).toBe("Findings:\nThere is a small right pleural effusion.");
  });

  it("maps conclusion to impression and keeps text without headers as findings", () => {
    expect(normalizeReport("Conclusion: normal chest")).toBe("Impression:\nNormal chest.");
    expect(normalizeReport("normal chest radiograph")).toBe("Findings:\nNormal chest radiograph.");
  });
});
