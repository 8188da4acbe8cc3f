import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { NORMAL_FINDINGS, type Findings } from "./findings";
import { renderPhantom, renderPhantomPixels, type PhantomPixels } from "./phantom";

const SIZE = 256;

const render = (seed: number, f: Partial<Findings> = {}): PhantomPixels =>
  renderPhantomPixels({ seed, findings: { ...NORMAL_FINDINGS, ...f }, size: SIZE });

/** Mean grey level over a box given in image fractions. */
function boxMean(img: PhantomPixels, x0: number, x1: number, y0: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.floor(y0 * img.height); y < Math.floor(y1 * img.height); y++) {
    for (let x = Math.floor(x0 * img.width); x < Math.floor(x1 * img.width); x++) {
      sum += img.data[y * img.width + x]!;
      n++;
    }
  }
  return sum / n;
}

// Image left is the patient's right (radiographic convention).
const PATIENT_RIGHT = { x0: 0.05, x1: 0.45 };
const PATIENT_LEFT = { x0: 0.55, x1: 0.95 };
const SEEDS = [3, 17, 42, 101, 2024];

describe("renderPhantom", () => {
  it("is deterministic for a seed and differs between seeds", async () => {
    const a = render(7, { effusion: "left" });
    const b = render(7, { effusion: "left" });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(render(8, { effusion: "left" }).data).equals(Buffer.from(a.data))).toBe(
      false,
    );
    const png1 = await renderPhantom({ seed: 7, findings: NORMAL_FINDINGS, size: SIZE });
    const png2 = await renderPhantom({ seed: 7, findings: NORMAL_FINDINGS, size: SIZE });
    expect(png1.equals(png2)).toBe(true);
  });

  it("writes an 8-bit single-channel PNG, 1024 px by default", async () => {
    const png = await renderPhantom({ seed: 5, findings: NORMAL_FINDINGS });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe("png");
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
    expect(meta.channels).toBe(1);
    expect(meta.depth).toBe("uchar");
    const raw = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(raw.data.length).toBe(1024 * 1024);
    // Dark lungs and background, bright mediastinum: a real spread of grey levels.
    const min = raw.data.reduce((m, v) => Math.min(m, v), 255);
    const max = raw.data.reduce((m, v) => Math.max(m, v), 0);
    expect(min).toBeLessThan(40);
    expect(max).toBeGreaterThan(180);
  });

  it("draws a pleural effusion as added density at the base of the correct side only", () => {
    for (const seed of SEEDS) {
      const base = render(seed);
      const right = render(seed, { effusion: "right" });
      const left = render(seed, { effusion: "left" });
      const lower = [0.45, 0.92] as const;
      const rightGain =
        boxMean(right, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, ...lower) -
        boxMean(base, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, ...lower);
      const leftGain =
        boxMean(left, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...lower) -
        boxMean(base, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...lower);
      expect(rightGain, `seed ${seed}`).toBeGreaterThan(0.1);
      expect(leftGain, `seed ${seed}`).toBeGreaterThan(0.1);
      // The other hemithorax is untouched.
      expect(
        Math.abs(
          boxMean(right, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...lower) -
            boxMean(base, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...lower),
        ),
      ).toBeLessThan(0.05);
      // The fluid sits at the base: the upper zone changes far less than the lower one.
      const upperGain =
        boxMean(right, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, 0.1, 0.35) -
        boxMean(base, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, 0.1, 0.35);
      expect(upperGain).toBeLessThan(rightGain);
    }
  });

  it("widens the bright central heart shadow with cardiomegaly", () => {
    for (const seed of SEEDS) {
      const normal = render(seed);
      const big = render(seed, { cardiomegaly: true });
      // Lung replaced by heart turns much brighter; nothing turns darker.
      let brighterRight = 0;
      let brighterLeft = 0;
      let darker = 0;
      let outsideCentre = 0;
      for (let i = 0; i < normal.data.length; i++) {
        const diff = big.data[i]! - normal.data[i]!;
        const x = (i % SIZE) / SIZE;
        if (diff > 25) {
          if (x < 0.5) brighterRight++;
          else brighterLeft++;
          if (x < 0.15 || x > 0.85) outsideCentre++;
        } else if (diff < -25) darker++;
      }
      const grown = brighterRight + brighterLeft;
      expect(grown, `seed ${seed}`).toBeGreaterThan(0.01 * SIZE * SIZE);
      expect(brighterRight, `seed ${seed}`).toBeGreaterThan(0);
      expect(brighterLeft, `seed ${seed}`).toBeGreaterThan(brighterRight);
      expect(darker).toBeLessThan(grown * 0.02);
      expect(outsideCentre).toBe(0);
    }
  });

  it("draws a pneumothorax as a lucent, marking-free space in the upper lateral chest", () => {
    for (const seed of SEEDS) {
      const base = render(seed);
      const ptx = render(seed, { pneumothorax: "left" });
      const upper = [0.1, 0.5] as const;
      const darker =
        boxMean(base, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...upper) -
        boxMean(ptx, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...upper);
      expect(darker, `seed ${seed}`).toBeGreaterThan(0.3);
      expect(
        Math.abs(
          boxMean(ptx, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, ...upper) -
            boxMean(base, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, ...upper),
        ),
      ).toBeLessThan(0.05);
    }
  });

  it("draws consolidation as added opacity in the affected lung", () => {
    for (const seed of SEEDS) {
      const base = render(seed);
      const con = render(seed, { consolidation: "right" });
      const lung = [0.1, 0.8] as const;
      const gain =
        boxMean(con, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, ...lung) -
        boxMean(base, PATIENT_RIGHT.x0, PATIENT_RIGHT.x1, ...lung);
      expect(gain, `seed ${seed}`).toBeGreaterThan(0.3);
      expect(
        Math.abs(
          boxMean(con, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...lung) -
            boxMean(base, PATIENT_LEFT.x0, PATIENT_LEFT.x1, ...lung),
        ),
      ).toBeLessThan(0.05);
    }
  });

  it("leaves the anatomy unchanged when a finding is added", () => {
    // Same seed, same patient: the apex of the unaffected lung is pixel-identical.
    const base = render(11);
    const eff = render(11, { effusion: "right" });
    expect(boxMean(eff, 0.6, 0.9, 0.05, 0.3)).toBe(boxMean(base, 0.6, 0.9, 0.05, 0.3));
  });

  it("renders a 1024 px phantom in well under a second", () => {
    const t0 = performance.now();
    renderPhantomPixels({ seed: 9, findings: { ...NORMAL_FINDINGS, effusion: "bilateral" } });
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it("rejects unusable sizes", () => {
    expect(() => renderPhantomPixels({ seed: 1, findings: NORMAL_FINDINGS, size: 8 })).toThrow(
      /size/,
    );
  });
});
