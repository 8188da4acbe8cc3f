/**
 * Builds the demo chest X-ray model: renders procedural phantoms with known findings, trains a
 * small two-layer network on pooled pixels in plain TypeScript, and writes it as ONNX with a
 * metadata file (models/demo-cxr/model.json) that records how it was made and how well it
 * does on phantoms it never saw.
 *
 *   npx tsx scripts/build-demo-model.ts [--out models/demo-cxr]
 *
 * Everything is seeded and date-free, so two runs write the same bytes.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import onnxProto from "onnx-proto";
import * as prettier from "prettier";
import { DEMO_LABELS, randomFindings, type Findings } from "../server/demo/findings";
import { renderPhantom } from "../server/demo/phantom";
import { createRng, deriveSeed, type Rng } from "../server/lib/rng";
import { INPUT_SIZE, preprocessImage } from "../workers/models/demo-classifier";

const { onnx } = onnxProto;

const MASTER_SEED = 1729;
const RENDER_SIZE = 256;
const POOL = 4;
const HIDDEN = 32;
const EPOCHS = 40;
const BATCH = 32;
const LEARNING_RATE = 2e-3;
const WEIGHT_DECAY = 1e-3;
/** Training phantoms are richer in findings than the demo studies, so every label has examples. */
const TRAIN_ABNORMAL_SHARE = 0.75;
const SPLITS = { train: 1600, validation: 400, test: 400 } as const;
/** A few held-out phantoms at the demo's own 1024 px, to check the 256 px training holds up. */
const FULL_SIZE_CHECK = { count: 40, size: 1024 } as const;

/** The model's outputs, in order: the labels the demo's phrase bank writes. */
const LABELS = DEMO_LABELS;

type Split = keyof typeof SPLITS | "fullsize";

function labelVector(f: Findings): number[] {
  const effusion = (side: "left" | "right") =>
    f.effusion === side || f.effusion === "bilateral" ? 1 : 0;
  return [
    f.cardiomegaly ? 1 : 0,
    effusion("left"),
    effusion("right"),
    f.pneumothorax === "left" ? 1 : 0,
    f.pneumothorax === "right" ? 1 : 0,
    f.consolidation === "left" ? 1 : 0,
    f.consolidation === "right" ? 1 : 0,
  ];
}

/** Seed of phantom i of a split; the split name is part of the label, so splits never share a phantom. */
function phantomSeed(split: Split, i: number): number {
  return deriveSeed(MASTER_SEED, `${split}:${i}`);
}

interface Sample {
  features: Float64Array;
  labels: number[];
}

interface Job {
  split: Split;
  index: number;
  size: number;
}

const FEATURES = (INPUT_SIZE / POOL) ** 2;

/** The 4x4 average pool the ONNX graph applies, done here once per sample to train faster. */
function pool(input: Float32Array): Float64Array {
  const side = INPUT_SIZE / POOL;
  const out = new Float64Array(side * side);
  for (let y = 0; y < INPUT_SIZE; y++) {
    for (let x = 0; x < INPUT_SIZE; x++) {
      const o = Math.floor(y / POOL) * side + Math.floor(x / POOL);
      out[o] = out[o]! + input[y * INPUT_SIZE + x]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / (POOL * POOL);
  return out;
}

async function renderSample(job: Job): Promise<Sample> {
  const seed = phantomSeed(job.split, job.index);
  const findings = randomFindings(createRng(deriveSeed(seed, "findings")), TRAIN_ABNORMAL_SHARE);
  const png = await renderPhantom({ seed, findings, size: job.size });
  return { features: pool(await preprocessImage(png)), labels: labelVector(findings) };
}

/**
 * Rendering dominates the build, so it is spread over worker threads. Each sample depends only
 * on its own seed and lands at its own index, so the result does not depend on scheduling.
 */
async function renderAll(jobs: Job[]): Promise<Sample[]> {
  const threads = Math.max(1, Math.min(4, availableParallelism(), Math.ceil(jobs.length / 50)));
  if (threads === 1) {
    const out: Sample[] = [];
    for (const job of jobs) out.push(await renderSample(job));
    return out;
  }
  // Worker threads do not inherit tsx's module hooks, so each one registers them first.
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(import.meta.url)});`;
  const out = new Array<Sample>(jobs.length);
  await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const mine = jobs.map((job, i) => ({ job, i })).filter(({ i }) => i % threads === t);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
          workerData: mine.map(({ job }) => job),
        });
        worker.once("message", (samples: Sample[]) => {
          samples.forEach((s, k) => (out[mine[k]!.i] = s));
          void worker.terminate().then(() => resolve());
        });
        worker.once("error", reject);
      });
    }),
  );
  return out;
}

async function workerMain(jobs: Job[]): Promise<void> {
  const samples: Sample[] = [];
  for (const job of jobs) samples.push(await renderSample(job));
  parentPort?.postMessage(samples);
}

interface Network {
  /** Row-major [HIDDEN][FEATURES]. */
  w1: Float64Array;
  b1: Float64Array;
  /** Row-major [K][HIDDEN]. */
  w2: Float64Array;
  b2: Float64Array;
}

const K = LABELS.length;

function initNetwork(rng: Rng): Network {
  const w1 = new Float64Array(HIDDEN * FEATURES);
  const s1 = Math.sqrt(2 / FEATURES);
  for (let i = 0; i < w1.length; i++) w1[i] = rng.normal() * s1;
  const w2 = new Float64Array(K * HIDDEN);
  const s2 = Math.sqrt(1 / HIDDEN);
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() * s2;
  return { w1, b1: new Float64Array(HIDDEN), w2, b2: new Float64Array(K) };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function forward(net: Network, x: Float64Array, hidden: Float64Array, probs: Float64Array): void {
  for (let j = 0; j < HIDDEN; j++) {
    let z = net.b1[j]!;
    const row = j * FEATURES;
    for (let i = 0; i < FEATURES; i++) z += net.w1[row + i]! * x[i]!;
    hidden[j] = z > 0 ? z : 0;
  }
  for (let k = 0; k < K; k++) {
    let z = net.b2[k]!;
    for (let j = 0; j < HIDDEN; j++) z += net.w2[k * HIDDEN + j]! * hidden[j]!;
    probs[k] = sigmoid(z);
  }
}

function meanLoss(net: Network, data: Sample[]): number {
  const hidden = new Float64Array(HIDDEN);
  const probs = new Float64Array(K);
  let loss = 0;
  for (const s of data) {
    forward(net, s.features, hidden, probs);
    for (let k = 0; k < K; k++) {
      const p = Math.min(1 - 1e-7, Math.max(1e-7, probs[k]!));
      loss -= s.labels[k]! ? Math.log(p) : Math.log(1 - p);
    }
  }
  return loss / (data.length * K);
}

class Adam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(private readonly params: Float64Array) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(params.length);
  }
  step(grad: Float64Array, lr: number, decay: number): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < grad.length; i++) {
      const g = grad[i]! + decay * this.params[i]!;
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g;
      this.params[i] =
        this.params[i]! - (lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + 1e-8);
    }
  }
}

function train(
  trainSet: Sample[],
  validation: Sample[],
  rng: Rng,
): { net: Network; bestEpoch: number; history: { epoch: number; train: number; val: number }[] } {
  const net = initNetwork(rng);
  const opts = [net.w1, net.b1, net.w2, net.b2].map((p) => new Adam(p));
  const grads = [net.w1, net.b1, net.w2, net.b2].map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
  const hidden = new Float64Array(HIDDEN);
  const probs = new Float64Array(K);
  const dHidden = new Float64Array(HIDDEN);
  const decays = [WEIGHT_DECAY, 0, WEIGHT_DECAY, 0];

  let best = { loss: Infinity, epoch: 0, net: cloneNetwork(net) };
  const history: { epoch: number; train: number; val: number }[] = [];
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const order = rng.shuffle(trainSet.map((_, i) => i));
    for (let start = 0; start < order.length; start += BATCH) {
      const batch = order.slice(start, start + BATCH);
      for (const g of grads) g.fill(0);
      for (const idx of batch) {
        const s = trainSet[idx]!;
        forward(net, s.features, hidden, probs);
        dHidden.fill(0);
        for (let k = 0; k < K; k++) {
          const dz = (probs[k]! - s.labels[k]!) / batch.length;
          gb2[k] = gb2[k]! + dz;
          for (let j = 0; j < HIDDEN; j++) {
            gw2[k * HIDDEN + j] = gw2[k * HIDDEN + j]! + dz * hidden[j]!;
            dHidden[j] = dHidden[j]! + dz * net.w2[k * HIDDEN + j]!;
          }
        }
        for (let j = 0; j < HIDDEN; j++) {
          if (hidden[j]! <= 0) continue;
          const dz = dHidden[j]!;
          gb1[j] = gb1[j]! + dz;
          const row = j * FEATURES;
          for (let i = 0; i < FEATURES; i++) gw1[row + i] = gw1[row + i]! + dz * s.features[i]!;
        }
      }
      opts.forEach((opt, i) => opt.step(grads[i]!, LEARNING_RATE, decays[i]!));
    }
    if (epoch % 5 === 0 || epoch === EPOCHS) {
      const val = meanLoss(net, validation);
      history.push({ epoch, train: round(meanLoss(net, trainSet)), val: round(val) });
      if (val < best.loss) best = { loss: val, epoch, net: cloneNetwork(net) };
    }
  }
  return { net: best.net, bestEpoch: best.epoch, history };
}

function cloneNetwork(n: Network): Network {
  return { w1: n.w1.slice(), b1: n.b1.slice(), w2: n.w2.slice(), b2: n.b2.slice() };
}

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

/** Features are standardised for training; the scaling is folded into the first layer. */
function standardiser(data: Sample[]): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(FEATURES);
  const std = new Float64Array(FEATURES);
  for (const s of data) for (let i = 0; i < FEATURES; i++) mean[i] = mean[i]! + s.features[i]!;
  for (let i = 0; i < FEATURES; i++) mean[i] = mean[i]! / data.length;
  for (const s of data) {
    for (let i = 0; i < FEATURES; i++) std[i] = std[i]! + (s.features[i]! - mean[i]!) ** 2;
  }
  for (let i = 0; i < FEATURES; i++) std[i] = Math.sqrt(std[i]! / data.length) + 1e-3;
  return { mean, std };
}

function standardise(data: Sample[], mean: Float64Array, std: Float64Array): Sample[] {
  return data.map((s) => ({
    labels: s.labels,
    features: s.features.map((v, i) => (v - mean[i]!) / std[i]!),
  }));
}

function foldStandardiser(net: Network, mean: Float64Array, std: Float64Array): Network {
  const out = cloneNetwork(net);
  for (let j = 0; j < HIDDEN; j++) {
    let shift = 0;
    for (let i = 0; i < FEATURES; i++) {
      const w = net.w1[j * FEATURES + i]! / std[i]!;
      out.w1[j * FEATURES + i] = w;
      shift += w * mean[i]!;
    }
    out.b1[j] = net.b1[j]! - shift;
  }
  return out;
}

function predictAll(net: Network, data: Sample[]): number[][] {
  const hidden = new Float64Array(HIDDEN);
  const probs = new Float64Array(K);
  return data.map((s) => {
    forward(net, s.features, hidden, probs);
    return Array.from(probs);
  });
}

/** Threshold maximising Youden's J (sensitivity + specificity - 1) on one label. */
function youdenThreshold(scores: number[], truth: number[]): number {
  const pairs = scores.map((s, i) => ({ s, y: truth[i]! })).sort((a, b) => b.s - a.s);
  const positives = pairs.filter((p) => p.y === 1).length;
  const negatives = pairs.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  let tp = 0;
  let fp = 0;
  let best = { j: -Infinity, threshold: 0.5 };
  for (let i = 0; i < pairs.length; i++) {
    const cur = pairs[i]!;
    if (cur.y === 1) tp++;
    else fp++;
    const next = pairs[i + 1];
    if (next && next.s === cur.s) continue;
    const j = tp / positives - fp / negatives;
    if (j > best.j) {
      const threshold = next ? (cur.s + next.s) / 2 : cur.s / 2;
      best = { j, threshold };
    }
  }
  return best.threshold;
}

function auc(scores: number[], truth: number[]): number {
  let pos = 0;
  let concordant = 0;
  const negScores = scores.filter((_, i) => truth[i] === 0);
  scores.forEach((s, i) => {
    if (truth[i] !== 1) return;
    pos++;
    for (const n of negScores) concordant += s > n ? 1 : s === n ? 0.5 : 0;
  });
  return pos === 0 || negScores.length === 0 ? NaN : concordant / (pos * negScores.length);
}

interface LabelMetrics {
  positives: number;
  negatives: number;
  accuracy: number;
  sensitivity: number | null;
  specificity: number | null;
  auc: number | null;
}

function metrics(scores: number[], truth: number[], threshold: number): LabelMetrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const predicted = s >= threshold;
    if (truth[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  });
  const a = auc(scores, truth);
  return {
    positives: tp + fn,
    negatives: tn + fp,
    accuracy: round((tp + tn) / scores.length),
    sensitivity: tp + fn > 0 ? round(tp / (tp + fn)) : null,
    specificity: tn + fp > 0 ? round(tn / (tn + fp)) : null,
    auc: Number.isNaN(a) ? null : round(a),
  };
}

function tensor(name: string, dims: number[], values: Float64Array): onnxProto.onnx.ITensorProto {
  const f32 = Float32Array.from(values);
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength),
  };
}

function ints(name: string, values: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  };
}

function buildOnnx(net: Network): Uint8Array {
  const graph: onnxProto.onnx.IGraphProto = {
    name: "blindread_demo_cxr",
    node: [
      {
        opType: "AveragePool",
        input: ["image"],
        output: ["pooled"],
        name: "pool",
        attribute: [ints("kernel_shape", [POOL, POOL]), ints("strides", [POOL, POOL])],
      },
      {
        opType: "Flatten",
        input: ["pooled"],
        output: ["flat"],
        name: "flatten",
        attribute: [int("axis", 1)],
      },
      {
        opType: "Gemm",
        input: ["flat", "w1", "b1"],
        output: ["hidden_pre"],
        name: "dense1",
        attribute: [int("transB", 1)],
      },
      { opType: "Relu", input: ["hidden_pre"], output: ["hidden"], name: "relu" },
      {
        opType: "Gemm",
        input: ["hidden", "w2", "b2"],
        output: ["logits"],
        name: "dense2",
        attribute: [int("transB", 1)],
      },
      { opType: "Sigmoid", input: ["logits"], output: ["probabilities"], name: "sigmoid" },
    ],
    initializer: [
      tensor("w1", [HIDDEN, FEATURES], net.w1),
      tensor("b1", [HIDDEN], net.b1),
      tensor("w2", [K, HIDDEN], net.w2),
      tensor("b2", [K], net.b2),
    ],
    input: [valueInfo("image", ["N", 1, INPUT_SIZE, INPUT_SIZE])],
    output: [valueInfo("probabilities", ["N", K])],
  };
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    producerName: "blindread",
    producerVersion: "0.1.0",
    docString:
      "Blindread demo classifier trained on synthetic chest phantoms only. Not a clinical model.",
    opsetImport: [{ domain: "", version: 13 }],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf("--out");
  const outDir = path.resolve(outArg >= 0 ? (process.argv[outArg + 1] ?? "") : "models/demo-cxr");
  const started = performance.now();
  const log = (msg: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);

  const jobs: Job[] = [];
  for (const split of Object.keys(SPLITS) as (keyof typeof SPLITS)[]) {
    for (let index = 0; index < SPLITS[split]; index++) {
      jobs.push({ split, index, size: RENDER_SIZE });
    }
  }
  for (let index = 0; index < FULL_SIZE_CHECK.count; index++) {
    jobs.push({ split: "fullsize", index, size: FULL_SIZE_CHECK.size });
  }
  const rendered = await renderAll(jobs);
  const data = {} as Record<Split, Sample[]>;
  for (const split of [...Object.keys(SPLITS), "fullsize"] as Split[]) {
    data[split] = rendered.filter((_, i) => jobs[i]!.split === split);
  }
  log(`rendered ${rendered.length} phantoms`);

  const { mean, std } = standardiser(data.train);
  const trainStd = standardise(data.train, mean, std);
  const valStd = standardise(data.validation, mean, std);
  const { net, bestEpoch, history } = train(
    trainStd,
    valStd,
    createRng(deriveSeed(MASTER_SEED, "init")),
  );
  log(`trained ${EPOCHS} epochs; best validation loss at epoch ${bestEpoch}`);
  const folded = foldStandardiser(net, mean, std);

  const column = (rows: number[][], k: number) => rows.map((r) => r[k]!);
  const valScores = predictAll(folded, data.validation);
  const valTruth = data.validation.map((s) => s.labels);
  const thresholds = LABELS.map((_, k) =>
    round(youdenThreshold(column(valScores, k), column(valTruth, k))),
  );

  const testScores = predictAll(folded, data.test);
  const testTruth = data.test.map((s) => s.labels);
  const perLabel = Object.fromEntries(
    LABELS.map((label, k) => [
      label,
      metrics(column(testScores, k), column(testTruth, k), thresholds[k]!),
    ]),
  );
  const anyTruth = testTruth.map((r) => (r.some((v) => v === 1) ? 1 : 0));
  const anyPred = testScores.map((r) => (r.some((p, k) => p >= thresholds[k]!) ? 1 : 0));
  // Scored on yes/no calls, so an AUC would say nothing here.
  const abnormal = { ...metrics(anyPred, anyTruth, 0.5), auc: null };
  const exactMatch = (scores: number[][], truth: number[][]) =>
    round(
      scores.filter((r, i) => r.every((p, k) => (p >= thresholds[k]! ? 1 : 0) === truth[i]![k]))
        .length / scores.length,
    );
  const fullScores = predictAll(folded, data.fullsize);
  const fullTruth = data.fullsize.map((s) => s.labels);
  const labelAccuracy = (scores: number[][], truth: number[][]) =>
    round(
      scores.reduce(
        (n, r, i) => n + r.filter((p, k) => (p >= thresholds[k]! ? 1 : 0) === truth[i]![k]).length,
        0,
      ) /
        (scores.length * K),
    );

  const onnxBytes = buildOnnx(folded);
  const sha256 = createHash("sha256").update(onnxBytes).digest("hex");
  const meta = {
    name: "blindread-demo-cxr",
    version: "0.1.0",
    disclaimer:
      "Demonstration model trained only on procedurally generated chest phantoms, not on real radiographs. It is NOT a clinical model: its reports carry no diagnostic meaning and must never be used for patient care.",
    task: "Multi-label finding classifier whose findings are written up as a chest X-ray report in the demo ground truth's phrasing.",
    sha256,
    sizeBytes: onnxBytes.length,
    input: {
      name: "image",
      shape: ["N", 1, INPUT_SIZE, INPUT_SIZE],
      size: INPUT_SIZE,
      normalization:
        "decode, drop alpha, greyscale, resize to 128x128 ignoring aspect ratio (sharp fit 'fill'), divide 8-bit values by 255 to [0, 1]",
    },
    output: {
      name: "probabilities",
      shape: ["N", K],
      labels: [...LABELS],
      activation: "sigmoid (independent per label)",
    },
    thresholds,
    thresholdMethod: "per label, maximising Youden's J on the validation split",
    architecture: `AveragePool ${POOL}x${POOL} -> Flatten(${FEATURES}) -> Gemm(${HIDDEN}) -> Relu -> Gemm(${K}) -> Sigmoid`,
    provenance: {
      script: "scripts/build-demo-model.ts",
      command: "npx tsx scripts/build-demo-model.ts",
      data: "procedural phantoms from server/demo/phantom.ts, findings from server/demo/findings.ts",
      masterSeed: MASTER_SEED,
      phantomSeeds:
        "deriveSeed(masterSeed, `${split}:${index}`), findings from deriveSeed(seed, 'findings')",
      renderSize: RENDER_SIZE,
      abnormalShare: TRAIN_ABNORMAL_SHARE,
      samples: { ...SPLITS, fullSizeCheck: FULL_SIZE_CHECK.count },
      epochs: EPOCHS,
      selectedEpoch: bestEpoch,
      batchSize: BATCH,
      optimizer: `Adam lr ${LEARNING_RATE}, weight decay ${WEIGHT_DECAY} on weights`,
      loss: "binary cross-entropy",
      lossHistory: history,
    },
    evaluation: {
      split: "test",
      samples: data.test.length,
      note: "Held-out phantoms with seeds never used for training or threshold selection.",
      perLabel,
      anyAbnormality: abnormal,
      exactMatch: exactMatch(testScores, testTruth),
      meanLabelAccuracy: labelAccuracy(testScores, testTruth),
      fullSizeCheck: {
        note: `${FULL_SIZE_CHECK.count} further held-out phantoms rendered at ${FULL_SIZE_CHECK.size} px, the size the demo uses`,
        samples: data.fullsize.length,
        meanLabelAccuracy: labelAccuracy(fullScores, fullTruth),
        exactMatch: exactMatch(fullScores, fullTruth),
      },
    },
  };

  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, "model.onnx"), onnxBytes);
  // Written in the repository's own format so that format checks pass on the committed file.
  const jsonPath = path.join(outDir, "model.json");
  const prettierConfig = (await prettier.resolveConfig(jsonPath)) ?? {};
  const json = await prettier.format(JSON.stringify(meta, null, 2), {
    ...prettierConfig,
    parser: "json",
  });
  await writeFile(jsonPath, json);
  log(`wrote ${path.join(outDir, "model.onnx")} (${onnxBytes.length} bytes, sha256 ${sha256})`);
  for (const [label, m] of Object.entries(perLabel)) {
    log(
      `${label.padEnd(20)} acc ${m.accuracy}  sens ${m.sensitivity}  spec ${m.specificity}  auc ${m.auc}  (+${m.positives})`,
    );
  }
  log(
    `any abnormality: acc ${abnormal.accuracy} sens ${abnormal.sensitivity} spec ${abnormal.specificity}`,
  );
  log(`full-size check: ${JSON.stringify(meta.evaluation.fullSizeCheck)}`);
}

if (isMainThread) await main();
else await workerMain(workerData as Job[]);
