import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { registerDemoModel } from "@/server/demo/seed";
import { addModel } from "@/server/models/mutations";
import { writeClassifierModel } from "../fixtures/classifier-model";
import { DEMO_MODEL_DIR, db, makeUser } from "./helpers";

const exec = promisify(execFile);
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** An image-to-text folder in the Optimum layout; the registry checks names and bytes only. */
async function imageToTextFolder(): Promise<{ dir: string; files: Record<string, string> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "blindread-i2t-"));
  const files: Record<string, string> = {
    "encoder_model.onnx": "encoder weights",
    "decoder_model_merged.onnx": "decoder weights",
    "tokenizer.json": "{}",
    "preprocessor_config.json": "{}",
    "generation_config.json": '{"max_new_tokens": 64}',
    "config.json": '{"model_type": "vision-encoder-decoder"}',
  };
  for (const [name, content] of Object.entries(files))
    await writeFile(path.join(dir, name), content);
  return { dir, files };
}

describe("model registry", () => {
  it("registers a classifier by its weights and card, and an image-to-text folder by its files", async () => {
    const admin = await makeUser("ADMIN");
    const caller = createCaller(createInnerContext({ userId: admin.id }));
    const classifier = await caller.models.add({
      name: "registry-test-classifier",
      version: "1.0",
      kind: "FINDINGS_CLASSIFIER",
      path: DEMO_MODEL_DIR,
      parameters: { note: "same weights as the demo" },
    });
    // A classifier is model.json and model.onnx: sha256 of the sorted "name sha256" lines of
    // the two, computed here independently.
    const { readFileSync } = await import("node:fs");
    const fileSha = (name: string) => sha256(readFileSync(path.join(DEMO_MODEL_DIR, name)));
    expect(classifier.sha256).toBe(
      sha256(`model.json ${fileSha("model.json")}\nmodel.onnx ${fileSha("model.onnx")}`),
    );

    const { dir, files } = await imageToTextFolder();
    const i2t = await caller.models.add({
      name: "registry-test-i2t",
      version: "0.1",
      kind: "IMAGE_TO_TEXT",
      path: dir,
      parameters: { num_beams: 1 },
    });
    // Expected: sha256 of the sorted "name sha256" lines, computed here independently.
    const expected = sha256(
      Object.keys(files)
        .sort()
        .map((name) => `${name} ${sha256(files[name]!)}`)
        .join("\n"),
    );
    expect(i2t.sha256).toBe(expected);
    const listed = await caller.models.list();
    expect(listed.find((m) => m.name === "registry-test-i2t")).toMatchObject({
      kind: "IMAGE_TO_TEXT",
      parameters: { num_beams: 1 },
    });
  });

  it("names what a folder lacks, refuses new weights under an old version, and is for admins only", async () => {
    const admin = await makeUser("ADMIN");
    const caller = createCaller(createInnerContext({ userId: admin.id }));
    const { dir } = await imageToTextFolder();
    await expect(
      caller.models.add({
        name: "incomplete",
        version: "1",
        kind: "FINDINGS_CLASSIFIER",
        path: dir,
      }),
    ).rejects.toThrow(/lacks model\.onnx, model\.json/);
    await expect(
      caller.models.add({
        name: "nowhere",
        version: "1",
        kind: "IMAGE_TO_TEXT",
        path: "/no/such/folder",
      }),
    ).rejects.toThrow(/Model folder not found/);
    await caller.models.add({ name: "versioned", version: "1", kind: "IMAGE_TO_TEXT", path: dir });
    await writeFile(path.join(dir, "encoder_model.onnx"), "retrained encoder");
    await expect(
      caller.models.add({ name: "versioned", version: "1", kind: "IMAGE_TO_TEXT", path: dir }),
    ).rejects.toThrow(/registered with other weights/);
    await expect(
      caller.models.add({ name: "versioned", version: "2", kind: "IMAGE_TO_TEXT", path: dir }),
    ).resolves.toBeTruthy();

    const reader = await makeUser("READER");
    const asReader = createCaller(createInnerContext({ userId: reader.id }));
    await expect(asReader.models.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("follows symlinks when it fingerprints a folder, as Hugging Face's cache holds them", async () => {
    const admin = await makeUser("ADMIN");
    const caller = createCaller(createInnerContext({ userId: admin.id }));
    const { dir, files } = await imageToTextFolder();
    const linked = await mkdtemp(path.join(os.tmpdir(), "blindread-links-"));
    for (const name of Object.keys(files))
      await symlink(path.join(dir, name), path.join(linked, name));
    const direct = await caller.models.add({
      name: "links-direct",
      version: "1",
      kind: "IMAGE_TO_TEXT",
      path: dir,
    });
    const viaLinks = await caller.models.add({
      name: "links-linked",
      version: "1",
      kind: "IMAGE_TO_TEXT",
      path: linked,
    });
    expect(viaLinks.sha256).toBe(direct.sha256);
    expect(viaLinks.sha256).not.toBe(sha256(""));
  });

  it("works from the command line", async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), "blindread-cls-"));
    await cp(DEMO_MODEL_DIR, copy, { recursive: true });
    const { stdout } = await exec(
      "node",
      [
        "bin/blindread.mjs",
        "models",
        "add",
        "--name",
        "cli-model",
        "--version",
        "3",
        "--kind",
        "findings-classifier",
        "--path",
        copy,
        "--params",
        '{"threshold_scale": 1}',
      ],
      { env: { ...process.env } },
    );
    expect(stdout).toMatch(/^registered cli-model 3 \(sha256 [0-9a-f]{64}\)/);
    const row = await db().aiModel.findUniqueOrThrow({
      where: { name_version: { name: "cli-model", version: "3" } },
    });
    expect(row).toMatchObject({
      kind: "FINDINGS_CLASSIFIER",
      path: copy,
      parameters: { threshold_scale: 1 },
    });
    const bad = await exec(
      "node",
      [
        "bin/blindread.mjs",
        "models",
        "add",
        "--name",
        "x",
        "--version",
        "1",
        "--kind",
        "findings-classifier",
        "--path",
        copy,
        "--params",
        "{not json",
      ],
      {
        env: { ...process.env },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("--params must be a JSON object"),
    });
  });

  it("brings a demo registered by its weights' sha256 alone (older releases) up to the fingerprint", async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), "blindread-demo-legacy-"));
    await cp(DEMO_MODEL_DIR, copy, { recursive: true });
    const { readFileSync } = await import("node:fs");
    const card = JSON.parse(readFileSync(path.join(copy, "model.json"), "utf8"));
    card.name = `demo-legacy-${Date.now().toString(36)}`;
    await writeFile(path.join(copy, "model.json"), JSON.stringify(card));
    // The row an older release wrote: model.json's record of model.onnx as the sha256.
    const legacy = await db().aiModel.create({
      data: {
        name: card.name,
        version: card.version,
        kind: "FINDINGS_CLASSIFIER",
        path: copy,
        sha256: card.sha256,
        isDemo: true,
      },
    });
    const fileSha = (name: string) => sha256(readFileSync(path.join(copy, name)));
    const registered = await registerDemoModel(db(), copy);
    expect(registered.id).toBe(legacy.id);
    expect(registered.sha256).toBe(
      sha256(`model.json ${fileSha("model.json")}\nmodel.onnx ${fileSha("model.onnx")}`),
    );
  });

  it("checks a classifier's card when it is registered, naming what to fix", async () => {
    const dir = await writeClassifierModel();
    const add = (over: Partial<Parameters<typeof addModel>[1]> = {}) =>
      addModel(db(), {
        name: `card-check-${Date.now().toString(36)}`,
        version: "1",
        kind: "FINDINGS_CLASSIFIER",
        path: dir,
        ...over,
      });
    await expect(add({ parameters: { thresholds: { Atelectasis: 0.4 } } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message:
        "the registered thresholds name labels the model does not have: Atelectasis (it has Effusion, Cardiomegaly, Pneumothorax)",
    });
    const untemplated = await writeClassifierModel({ card: { template: undefined } });
    await expect(add({ path: untemplated })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining(
        'has no "template", so its findings cannot be written as a report (Effusion, Cardiomegaly, Pneumothorax)',
      ),
    });
    await writeFile(path.join(untemplated, "model.json"), "{ not json");
    await expect(add({ path: untemplated })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("model.json cannot be read as JSON"),
    });
    // A good card registers, with its override.
    const ok = await add({ parameters: { thresholds: { Effusion: 0.7 } } });
    expect(ok.parameters).toEqual({ thresholds: { Effusion: 0.7 } });
  });
});
