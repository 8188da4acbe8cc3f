import sharp from "sharp";
import type { Findings, Side } from "./findings";
import { createRng, deriveSeed, type Rng } from "../lib/rng";

/**
 * Procedural PA chest radiograph phantom.
 *
 * Everything is laid out in image-normalised coordinates (x, y in [0, 1], y down) so that one
 * seed gives the same anatomy at every output size. The picture is built as a density map
 * (soft tissue minus lung air plus bone, vessels and pathology) and only then mapped to grey
 * levels, which is how overlapping structures add up on a real projection radiograph.
 *
 * Anatomy, findings and noise each draw from their own derived seed, so adding a finding to a
 * seed leaves the rest of the image untouched: that is what lets tests and the demo model
 * compare "same patient, with and without" pixel for pixel.
 *
 * Radiographic convention: the patient's right is on the image left. Hemithorax index
 * sigma = -1 is the image left (patient right), +1 the image right (patient left).
 */

export interface PhantomOptions {
  seed: number;
  findings: Findings;
  /** Output width and height in pixels; 1024 by default. */
  size?: number;
}

export interface PhantomPixels {
  width: number;
  height: number;
  /** 8-bit greyscale, row-major. */
  data: Uint8Array;
}

type Sigma = -1 | 1;

interface Hemithorax {
  /** Lateral wall half-width at the base (distance from midline). */
  w: number;
  apexY: number;
  /** Lateral costophrenic angle height. */
  cpY: number;
  domeTopY: number;
  /** Dome apex distance from midline. */
  domeD: number;
  medial: number;
  /** Aortic knob bulge of the medial border (patient's left only). */
  knob: number;
}

interface Anatomy {
  cx: number;
  scale: number;
  hemi: { [K in Sigma]: Hemithorax };
  bodyHalf: number;
  neckHalf: number;
  shoulderY: number;
  heart: { cx: number; cy: number; a: number; b: number; shear: number };
  hilumY: number;
  ribStartY: number;
  ribSpacing: number;
  ribCurve: number;
  ribPhase: { [K in Sigma]: number };
  clavicleY: number;
  gastricBubble: boolean;
  exposure: { gain: number; bias: number; gamma: number };
  lungAir: number;
}

interface EffusionSpec {
  /** Height of the fluid at the lateral wall. */
  levelY: number;
  /** How much lower the surface sits medially (the meniscus). */
  meniscus: number;
}

interface PneumothoraxSpec {
  /** Collapsed lung = lung scaled by this factor about the anchor. */
  factor: number;
  anchorX: number;
  anchorY: number;
}

interface Blob {
  x: number;
  y: number;
  r: number;
  amp: number;
}

// Cardiomegaly is CTR > 0.5; both ranges reach close to the cut-off, as real hearts do.
const CTR_NORMAL: readonly [number, number] = [0.38, 0.49];
const CTR_ENLARGED: readonly [number, number] = [0.52, 0.65];

function smooth(v: number, e: number): number {
  if (v <= -e) return 0;
  if (v >= e) return 1;
  const t = (v + e) / (2 * e);
  return t * t * (3 - 2 * t);
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

function makeAnatomy(seed: number, findings: Findings): Anatomy {
  const rng = createRng(deriveSeed(seed, "anatomy"));
  const scale = rng.range(0.88, 1.05);
  const cx = 0.5 + rng.range(-0.035, 0.035);
  const w = 0.36 * scale;
  const apexY = rng.range(0.08, 0.15);
  // Depth of inspiration.
  const cpY = apexY + rng.range(0.57, 0.67) * scale;
  const rightDome = cpY - rng.range(0.12, 0.16);
  const leftDome = rightDome + rng.range(0.0, 0.03);
  const medial = rng.range(0.05, 0.062) * scale;
  const hemi = {
    [-1]: {
      w: w * rng.range(0.97, 1.03),
      apexY,
      cpY,
      domeTopY: rightDome,
      domeD: w * rng.range(0.4, 0.5),
      medial,
      knob: 0,
    },
    [1]: {
      w: w * rng.range(0.97, 1.03),
      apexY: apexY + rng.range(-0.005, 0.01),
      cpY: cpY + rng.range(0.0, 0.02),
      domeTopY: leftDome,
      domeD: w * rng.range(0.45, 0.55),
      medial,
      knob: rng.range(0.018, 0.032) * scale,
    },
  } as Anatomy["hemi"];

  // Consumed unconditionally so the rest of the anatomy is identical with or without
  // cardiomegaly.
  const ctrNormal = rng.range(CTR_NORMAL[0], CTR_NORMAL[1]);
  const ctrEnlarged = rng.range(CTR_ENLARGED[0], CTR_ENLARGED[1]);
  const ctr = findings.cardiomegaly ? ctrEnlarged : ctrNormal;
  const thoracic = hemi[-1].w + hemi[1].w;
  const heartWidth = ctr * thoracic;
  const rightShare = rng.range(0.3, 0.37);
  const right = heartWidth * rightShare;
  const left = heartWidth - right;
  const heartBottom = leftDome + 0.04;
  const heartTop = apexY + (cpY - apexY) * rng.range(0.4, 0.46);
  const heartCy = leftDome - 0.03;
  const heart = {
    cx: cx + (left - right) / 2,
    cy: heartCy,
    a: heartWidth / 2,
    b: Math.max(heartCy - heartTop, heartBottom - heartCy),
    shear: rng.range(0.15, 0.35),
  };

  return {
    cx,
    scale,
    hemi,
    bodyHalf: w + rng.range(0.065, 0.1),
    neckHalf: rng.range(0.085, 0.11) * scale,
    shoulderY: apexY - rng.range(0.05, 0.08),
    heart,
    hilumY: apexY + (cpY - apexY) * rng.range(0.36, 0.44),
    ribStartY: apexY - rng.range(0.0, 0.02),
    ribSpacing: (cpY - apexY) * rng.range(0.1, 0.115),
    ribCurve: rng.range(2.0, 2.8),
    ribPhase: { [-1]: rng.range(-0.1, 0.1), [1]: rng.range(-0.1, 0.1) } as Anatomy["ribPhase"],
    clavicleY: apexY + rng.range(0.05, 0.08),
    gastricBubble: rng.chance(0.7),
    exposure: {
      gain: rng.range(0.9, 1.1),
      bias: rng.range(-0.04, 0.04),
      gamma: rng.range(0.9, 1.12),
    },
    lungAir: rng.range(0.33, 0.4),
  };
}

/** Lateral wall distance from the midline at vertical fraction t of the hemithorax. */
function lateralAt(h: Hemithorax, t: number): number {
  const u = t <= 0 ? 0 : t >= 0.85 ? 1 : t / 0.85;
  return h.w * (0.6 + 0.4 * Math.sin((u * Math.PI) / 2));
}

function domeAt(h: Hemithorax, d: number): number {
  const k = (d - h.domeD) / (h.w - h.domeD);
  return h.domeTopY + (h.cpY - h.domeTopY) * k * k;
}

function medialAt(h: Hemithorax, t: number): number {
  const k = (t - 0.3) / 0.08;
  return h.medial + 0.012 * t + h.knob * Math.exp(-k * k);
}

/**
 * Soft membership of point (d, y) in one lung field, d being the distance from the midline
 * into that hemithorax. edge is the half-width of the soft boundary.
 */
function lungField(h: Hemithorax, d: number, y: number, edge: number): number {
  if (d <= 0) return 0;
  const t = (y - h.apexY) / (h.cpY - h.apexY);
  if (t < -0.1 || y > h.cpY + 0.05) return 0;
  const lateral = smooth(lateralAt(h, t) - d, edge);
  if (lateral === 0) return 0;
  const medial = smooth(d - medialAt(h, t), edge);
  if (medial === 0) return 0;
  const k = (d - h.w * 0.42) / h.w;
  const top = smooth(t - 2.4 * k * k, edge * 2.5);
  const bottom = smooth(domeAt(h, d) - y, edge);
  return lateral * medial * top * bottom;
}

function heartField(a: Anatomy, x: number, y: number, edge: number): number {
  const h = a.heart;
  const dy = y - h.cy;
  const dx = x - h.cx - h.shear * dy;
  const r = Math.sqrt((dx / h.a) ** 2 + (dy / h.b) ** 2);
  return smooth((1 - r) * h.a, edge);
}

/** Bilinearly interpolated value noise in [-1, 1] on a cells x cells lattice. */
function valueNoise(rng: Rng, size: number, cells: number): Float32Array {
  const n = cells + 2;
  const lattice = new Float32Array(n * n);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.range(-1, 1);
  const out = new Float32Array(size * size);
  for (let py = 0; py < size; py++) {
    const gy = (py / size) * cells;
    const iy = Math.floor(gy);
    let fy = gy - iy;
    fy = fy * fy * (3 - 2 * fy);
    for (let px = 0; px < size; px++) {
      const gx = (px / size) * cells;
      const ix = Math.floor(gx);
      let fx = gx - ix;
      fx = fx * fx * (3 - 2 * fx);
      const v00 = lattice[iy * n + ix]!;
      const v10 = lattice[iy * n + ix + 1]!;
      const v01 = lattice[(iy + 1) * n + ix]!;
      const v11 = lattice[(iy + 1) * n + ix + 1]!;
      const top = v00 + (v10 - v00) * fx;
      const bottom = v01 + (v11 - v01) * fx;
      out[py * size + px] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/** Draws a tapered segment with a Gaussian cross-section, keeping the maximum per pixel. */
function stampSegment(
  layer: Float32Array,
  size: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  amp: number,
): void {
  const px0 = x0 * size;
  const py0 = y0 * size;
  const px1 = x1 * size;
  const py1 = y1 * size;
  const w = Math.max(width * size, 0.6);
  const margin = w * 2.5;
  const minX = Math.max(0, Math.floor(Math.min(px0, px1) - margin));
  const maxX = Math.min(size - 1, Math.ceil(Math.max(px0, px1) + margin));
  const minY = Math.max(0, Math.floor(Math.min(py0, py1) - margin));
  const maxY = Math.min(size - 1, Math.ceil(Math.max(py0, py1) + margin));
  const vx = px1 - px0;
  const vy = py1 - py0;
  const len2 = vx * vx + vy * vy || 1;
  for (let py = minY; py <= maxY; py++) {
    for (let px = minX; px <= maxX; px++) {
      const qx = px + 0.5 - px0;
      const qy = py + 0.5 - py0;
      let s = (qx * vx + qy * vy) / len2;
      s = s < 0 ? 0 : s > 1 ? 1 : s;
      const dx = qx - s * vx;
      const dy = qy - s * vy;
      const d2 = (dx * dx + dy * dy) / (w * w);
      if (d2 > 6) continue;
      const v = amp * (1 - 0.3 * s) * Math.exp(-d2);
      const i = py * size + px;
      if (v > layer[i]!) layer[i] = v;
    }
  }
}

/** Pulmonary vessel tree: branches fan out from each hilum and taper towards the periphery. */
function drawVessels(a: Anatomy, rng: Rng, size: number): Float32Array {
  const layer = new Float32Array(size * size);
  const branch = (
    sigma: Sigma,
    x: number,
    y: number,
    angle: number,
    length: number,
    width: number,
    amp: number,
    depth: number,
  ): void => {
    // Three slightly bent pieces per branch, so markings curve instead of radiating as spokes.
    let x1 = x;
    let y1 = y;
    let heading = angle;
    for (let piece = 0; piece < 3; piece++) {
      heading += rng.range(-0.25, 0.25);
      const nx = x1 + (sigma * Math.cos(heading) * length) / 3;
      const ny = y1 + (Math.sin(heading) * length) / 3;
      stampSegment(layer, size, x1, y1, nx, ny, width * (1 - 0.1 * piece), amp);
      x1 = nx;
      y1 = ny;
    }
    if (depth >= 6) return;
    const spread = rng.range(0.2, 0.5);
    for (const dir of [-1, 1]) {
      const next = angle + dir * spread * rng.range(0.6, 1.1);
      branch(
        sigma,
        x1,
        y1,
        Math.max(-1.45, Math.min(1.45, next)),
        length * rng.range(0.7, 0.85),
        width * 0.75,
        amp * 0.82,
        depth + 1,
      );
    }
  };
  for (const sigma of [-1, 1] as const) {
    const h = a.hemi[sigma];
    const hx = a.cx + sigma * (h.medial + rng.range(0.025, 0.045));
    const hy = a.hilumY + (sigma === 1 ? -0.01 : 0.005);
    for (const base of [-1.15, -0.55, 0.05, 0.6, 1.1]) {
      branch(
        sigma,
        hx,
        hy,
        base + rng.range(-0.15, 0.15),
        rng.range(0.045, 0.06) * a.scale,
        0.005 * a.scale,
        rng.range(0.06, 0.08),
        0,
      );
    }
  }
  return layer;
}

function effusionSpec(a: Anatomy, h: Hemithorax, rng: Rng): EffusionSpec {
  // Skewed towards small effusions, which only blunt the costophrenic angle and are the ones
  // readers (and the demo model) miss.
  const severity = rng.next() ** 1.2;
  const span = h.cpY - h.apexY;
  return {
    levelY: h.cpY - span * (0.04 + 0.45 * severity),
    meniscus: span * rng.range(0.1, 0.16) * (0.8 + 0.5 * severity) * a.scale,
  };
}

function pneumothoraxSpec(a: Anatomy, sigma: Sigma, rng: Rng): PneumothoraxSpec {
  const h = a.hemi[sigma];
  return {
    factor: rng.range(0.68, 0.9),
    anchorX: a.cx + sigma * (h.medial + 0.02),
    anchorY: h.domeTopY + rng.range(-0.02, 0.02),
  };
}

function consolidationBlobs(a: Anatomy, sigma: Sigma, rng: Rng): Blob[] {
  const h = a.hemi[sigma];
  const span = h.cpY - h.apexY;
  const zone = rng.pick([0.25, 0.5, 0.72] as const);
  const density = rng.range(0.14, 0.32);
  const cd = h.w * rng.range(0.4, 0.7);
  const cy = h.apexY + span * (zone + rng.range(-0.05, 0.05));
  const blobs: Blob[] = [];
  const count = rng.int(6, 12);
  const extent = rng.range(0.05, 0.1) * a.scale;
  for (let i = 0; i < count; i++) {
    blobs.push({
      x: a.cx + sigma * (cd + rng.normal() * extent),
      y: cy + rng.normal() * extent * 0.8,
      r: rng.range(0.03, 0.065) * a.scale,
      amp: density * rng.range(0.6, 1),
    });
  }
  return blobs;
}

const sigmaOf = (side: Side): Sigma => (side === "right" ? -1 : 1);

export function renderPhantomPixels(opts: PhantomOptions): PhantomPixels {
  const size = opts.size ?? 1024;
  if (!Number.isInteger(size) || size < 32 || size > 4096) {
    throw new Error(`phantom size must be an integer between 32 and 4096, got ${size}`);
  }
  const f = opts.findings;
  const a = makeAnatomy(opts.seed, f);
  const vessels = drawVessels(a, createRng(deriveSeed(opts.seed, "vessels")), size);
  const textureRng = createRng(deriveSeed(opts.seed, "texture"));
  const coarse = valueNoise(textureRng, size, 10);
  const fine = valueNoise(textureRng, size, 36);

  const effusion: { [K in Sigma]: EffusionSpec | null } = { [-1]: null, [1]: null };
  const effRng = createRng(deriveSeed(opts.seed, "effusion"));
  for (const sigma of [-1, 1] as const) {
    const spec = effusionSpec(a, a.hemi[sigma], effRng);
    const present =
      f.effusion === "bilateral" || (f.effusion !== null && sigmaOf(f.effusion) === sigma);
    if (present) effusion[sigma] = spec;
  }
  const ptxRng = createRng(deriveSeed(opts.seed, "pneumothorax"));
  const ptx = f.pneumothorax ? pneumothoraxSpec(a, sigmaOf(f.pneumothorax), ptxRng) : null;
  const ptxSigma = f.pneumothorax ? sigmaOf(f.pneumothorax) : 0;
  const conRng = createRng(deriveSeed(opts.seed, "consolidation"));
  const blobs = f.consolidation ? consolidationBlobs(a, sigmaOf(f.consolidation), conRng) : [];
  const conSigma = f.consolidation ? sigmaOf(f.consolidation) : 0;

  const edge = 0.005;
  // Hoisted: indexing the per-side records with -1 would go through a string key per pixel.
  const hemiRight = a.hemi[-1];
  const hemiLeft = a.hemi[1];
  const effRight = effusion[-1];
  const effLeft = effusion[1];
  const ribPhaseRight = a.ribPhase[-1];
  const ribPhaseLeft = a.ribPhase[1];
  const density = new Float32Array(size * size);
  const inv = 1 / size;

  for (let py = 0; py < size; py++) {
    const y = (py + 0.5) * inv;
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) * inv;
      const idx = py * size + px;
      const dxMid = x - a.cx;
      const sigma: Sigma = dxMid < 0 ? -1 : 1;
      const d = Math.abs(dxMid);
      const h = sigma < 0 ? hemiRight : hemiLeft;

      // Body outline: neck above the shoulders, trunk below.
      const su = clamp01((y - a.shoulderY + 0.05) / 0.11);
      const shoulder = Math.sqrt(1 - (1 - su) * (1 - su));
      const waist = 1 - 0.06 * clamp01((y - h.cpY + 0.1) / 0.3);
      const half = a.neckHalf + (a.bodyHalf * waist - a.neckHalf) * shoulder;
      const body = smooth(half - d, 0.012);
      if (body === 0) {
        density[idx] = 0.02 + 0.01 * coarse[idx]!;
        continue;
      }
      const q = d / (half + 0.01);
      const thick = Math.sqrt(Math.max(0, 1 - q * q));
      const abdomen = smooth(y - domeAt(h, Math.min(d, h.w)) - 0.02, 0.03);
      let D = body * (0.26 + 0.28 * thick ** 1.2 + 0.07 * abdomen);

      // Lung air, minus whatever replaces it (heart, fluid).
      let lung = lungField(h, d, y, edge);
      const heart = heartField(a, x, y, 0.003);
      lung *= 1 - heart;
      const t = (y - h.apexY) / (h.cpY - h.apexY);

      const eff = sigma < 0 ? effRight : effLeft;
      let fluid = 0;
      if (eff) {
        const lat = lateralAt(h, t);
        // The meniscus climbs the lateral wall steeply and flattens medially.
        const k = Math.max(0, 1 - d / lat);
        const surface = eff.levelY + eff.meniscus * (1 - Math.exp(-k / 0.18));
        fluid = smooth(y - surface, 0.016) * smooth(lat + 0.01 - d, 0.01);
        // Fluid takes the place of aerated lung only; below the dome it adds nothing new.
        D += 0.07 * fluid * lung * clamp01((y - surface) / 0.15);
      }
      const aerated = lung * (1 - fluid);

      let ptxSpace = 0;
      let pleuralLine = 0;
      if (ptx && sigma === ptxSigma && lung > 0) {
        const qx = ptx.anchorX + (x - ptx.anchorX) / ptx.factor;
        const qy = ptx.anchorY + (y - ptx.anchorY) / ptx.factor;
        const qd = Math.abs(qx - a.cx);
        const soft = lungField(h, qd, qy, edge);
        const crisp = lungField(h, qd, qy, 0.0015);
        ptxSpace = aerated * (1 - soft);
        pleuralLine = aerated * 4 * crisp * (1 - crisp);
      }

      // Lung air thins towards the apex and the lateral wall, where more tissue overlaps.
      const lateralFade = 1 - 0.35 * clamp01(d / (h.w + 1e-6)) ** 4;
      const apexFade = 0.75 + 0.25 * clamp01(t * 2.2);
      let air = a.lungAir * lateralFade * apexFade;
      air *= 1 + 0.25 * ptxSpace;
      D -= air * aerated;
      D += 0.018 * aerated * (coarse[idx]! + 0.6 * fine[idx]!) * (1 - ptxSpace);

      const marking = vessels[idx]! * aerated * (1 - ptxSpace);
      D += marking;
      D += 0.05 * pleuralLine;

      // Hilar shadows and heart a little denser than the surrounding mediastinum.
      const hx = (d - h.medial - 0.03) / 0.03;
      const hy = (y - a.hilumY) / 0.045;
      const hr = hx * hx + hy * hy;
      if (hr < 9) D += 0.06 * Math.exp(-hr) * body;
      D += 0.04 * heart * smooth(domeAt(h, Math.min(d, h.w)) - y + 0.01, 0.015);

      // Gastric bubble under the left hemidiaphragm.
      if (a.gastricBubble && sigma === 1) {
        const gx = (d - h.w * 0.45) / 0.045;
        const gy = (y - domeAt(h, h.w * 0.45) - 0.035) / 0.022;
        const g = gx * gx + gy * gy;
        if (g < 1.5 && fluid < 0.5) D -= 0.12 * smooth(1 - g, 0.2);
      }

      // Trachea and main bronchi: an air column down the upper mediastinum.
      const tracheaEnd = h.apexY + (h.cpY - h.apexY) * 0.33;
      if (y < tracheaEnd + 0.04) {
        const tw = 0.011 * a.scale;
        const shift = y > tracheaEnd ? (y - tracheaEnd) * 1.2 : 0;
        const tr = smooth(tw - Math.abs(d - shift), 0.003) * smooth(tracheaEnd + 0.04 - y, 0.01);
        D -= 0.1 * tr * body;
      }

      // Spine: vertebral bodies with darker disc spaces, seen through the mediastinum.
      const spineHalf = 0.036 * a.scale;
      if (d < spineHalf + 0.01) {
        const sp = smooth(spineHalf - d, 0.004);
        const vert = Math.cos(((y - a.ribStartY) / a.ribSpacing) * 2 * Math.PI);
        const pedicle = Math.exp(-(((d - spineHalf * 0.7) / 0.006) ** 2));
        D += sp * (0.045 + 0.006 * vert + 0.012 * pedicle) * body;
      }

      // Clavicles: bands sweeping up and out from the sternal notch.
      const cd0 = 0.03;
      if (d > cd0 - 0.01 && d < 0.34) {
        const u = d - cd0;
        const cy = a.clavicleY - 0.26 * u + 0.35 * u * u;
        const off = Math.abs(y - cy) / (0.013 * a.scale);
        const band = smooth(1 - off, 0.25);
        const cortex = Math.exp(-(((off - 0.85) / 0.2) ** 2));
        D += (0.07 * band + 0.03 * cortex) * smooth(d - cd0, 0.006) * smooth(0.32 - d, 0.02);
      }

      // Posterior ribs arch up and out from the spine then curve down to the lateral wall;
      // anterior ribs run down and in, fainter.
      if (d < h.w + 0.06 && y > a.shoulderY) {
        const lat = lateralAt(h, t) + 0.022;
        const u = d - 0.3 * h.w;
        const along = y - a.ribCurve * u * u + a.ribCurve * 0.09 * h.w * h.w;
        const phase =
          (along - a.ribStartY) / a.ribSpacing + (sigma < 0 ? ribPhaseRight : ribPhaseLeft);
        const n = Math.floor(phase);
        if (n >= 0 && n < 10) {
          const frac = phase - n;
          const band = smooth(frac - 0.05, 0.04) * smooth(0.42 - frac, 0.04);
          const cortex =
            Math.exp(-(((frac - 0.07) / 0.05) ** 2)) + Math.exp(-(((frac - 0.4) / 0.05) ** 2));
          D +=
            (0.04 * band + 0.025 * cortex * band) *
            smooth(lat - d, 0.008) *
            smooth(d - 0.02, 0.01) *
            (0.4 + 0.6 * Math.max(aerated, 0.3 * fluid)) *
            (1 - 0.6 * abdomen);
        }
        const anterior = (y + 0.5 * (d - h.w) - a.ribStartY - 0.05) / (a.ribSpacing * 1.1);
        const m = Math.floor(anterior);
        if (m >= 1 && m < 7) {
          const frac = anterior - m;
          const band = smooth(frac - 0.1, 0.05) * smooth(0.4 - frac, 0.05);
          D += 0.018 * band * smooth(d - 0.45 * h.w, 0.04) * smooth(lat - d, 0.01);
        }
      }

      if (blobs.length > 0 && sigma === conSigma && aerated > 0) {
        let c = 0;
        for (const b of blobs) {
          const bx = (x - b.x) / b.r;
          const by = (y - b.y) / b.r;
          const r2 = bx * bx + by * by;
          if (r2 < 9) c += b.amp * Math.exp(-r2);
        }
        const patchy = 0.75 + 0.25 * coarse[idx]! + 0.3 * fine[idx]!;
        D += Math.min(0.32, c * patchy) * aerated;
      }

      density[idx] = D;
    }
  }

  const noiseRng = createRng(deriveSeed(opts.seed, "noise"));
  const noiseAmp = 0.012 * Math.sqrt(size / 1024);
  for (let i = 0; i < density.length; i++) density[i] = density[i]! + noiseAmp * noiseRng.normal();

  const radius = Math.max(0, Math.round(size / 450));
  const blurred = radius > 0 ? boxBlur(boxBlur(density, size, radius), size, radius) : density;

  const { gain, bias, gamma } = a.exposure;
  const data = new Uint8Array(size * size);
  for (let i = 0; i < data.length; i++) {
    const v = clamp01(0.03 + bias + 1.2 * gain * blurred[i]!);
    data[i] = Math.round(255 * v ** gamma);
  }
  return { width: size, height: size, data };
}

/** Separable box blur with clamped edges. */
function boxBlur(src: Float32Array, size: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const span = 2 * r + 1;
  for (let y = 0; y < size; y++) {
    const row = y * size;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += src[row + Math.min(size - 1, Math.max(0, k))]!;
    for (let x = 0; x < size; x++) {
      tmp[row + x] = acc / span;
      acc += src[row + Math.min(size - 1, x + r + 1)]! - src[row + Math.max(0, x - r)]!;
    }
  }
  for (let x = 0; x < size; x++) {
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += tmp[Math.min(size - 1, Math.max(0, k)) * size + x]!;
    for (let y = 0; y < size; y++) {
      out[y * size + x] = acc / span;
      acc += tmp[Math.min(size - 1, y + r + 1) * size + x]! - tmp[Math.max(0, y - r) * size + x]!;
    }
  }
  return out;
}

/** Renders a phantom as an 8-bit greyscale PNG. */
export async function renderPhantom(opts: PhantomOptions): Promise<Buffer> {
  const { width, height, data } = renderPhantomPixels(opts);
  // Without the explicit colourspace sharp would widen the single channel to RGB.
  return sharp(data, { raw: { width, height, channels: 1 } })
    .toColourspace("b-w")
    .png({ compressionLevel: 6 })
    .toBuffer();
}
