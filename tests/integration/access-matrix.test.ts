import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ROLES,
  TRPC_MATRIX,
  HTTP_MATRIX,
  NOT_IN_MATRIX,
  type Outcome,
  type Role,
} from "./access-matrix.expected";
import { db, makeStudy, makeUser, openedStudy, readAll } from "./helpers";
import { multipartRequest } from "./multipart";

// Route handlers run here outside Next.js, which has no cookie store to read a session from:
// a caller without an API token has no session either. (Sessions are exercised through a real
// browser in the Playwright tests.)
vi.mock("@/server/auth/request", () => ({ getSessionUserId: async () => null }));

// The import root the admin may pick folders from: one empty folder, so starting an import
// from it passes access control (and then fails on its merits, having no manifest).
const importRoot = mkdtempSync(path.join(os.tmpdir(), "blindread-import-root-"));
mkdirSync(path.join(importRoot, "empty-dataset"));
process.env.BLINDREAD_IMPORT_ROOT = importRoot;

const { appRouter } = await import("@/server/api/root");
const { getOpenApiDocument } = await import("@/server/api/openapi");
const { createApiToken, revokeApiToken } = await import("@/server/auth/mutations");
const { createImportJob } = await import("@/server/ingest/jobs");
const trpcRoute = await import("@/app/api/trpc/[trpc]/route");
const restRoute = await import("@/app/api/v1/[...path]/route");
const healthRoute = await import("@/app/api/health/route");
const openApiRoute = await import("@/app/api/v1/openapi.json/route");
const imageRoute = await import("@/app/api/images/[token]/route");
const adminImageRoute = await import("@/app/api/admin/cases/[id]/image/route");
const uploadRoute = await import("@/app/api/admin/studies/[id]/imports/route");
const exportRoute = await import("@/app/api/v1/studies/[id]/export/route");
const casesRoute = await import("@/app/api/v1/studies/[id]/cases/route");
const auditCasesRoute = await import("@/app/api/v1/audits/[id]/cases/route");
const { createAudit } = await import("@/server/audits/mutations");

const BASE = "http://127.0.0.1:3000";
afterAll(() => {
  delete process.env.BLINDREAD_IMPORT_ROOT;
});

interface Fixture {
  tokens: Record<Role, string | null>;
  studyId: string;
  draftId: string;
  studyToken: string;
  itemToken: string;
  caseId: string;
  importId: string;
  readerId: string;
  spareUserId: string;
  auditId: string;
}
let f: Fixture;

beforeAll(async () => {
  const admin = await makeUser("ADMIN");
  const study = await openedStudy(1, 2);
  const other = await openedStudy(1, 2);
  const readerA = study.readers[0]!;
  const readerB = other.readers[0]!;
  const { list, items } = await readAll(readerA.id);
  const draft = await makeStudy({ readerIds: [readerA.id], cases: [] });
  const revoked = await createApiToken(db(), { email: admin.email });
  await revokeApiToken(db(), revoked.token);
  const importId = await createImportJob(db(), {
    studyId: draft.studyId,
    userId: admin.id,
    origin: "cli",
    sourceName: "matrix",
    options: { skipInvalid: false, keepOriginals: false },
  });
  f = {
    tokens: {
      anonymous: null,
      readerOfStudy: (await createApiToken(db(), { email: readerA.email })).token,
      readerOfOther: (await createApiToken(db(), { email: readerB.email })).token,
      admin: (await createApiToken(db(), { email: admin.email })).token,
      revoked: revoked.token,
    },
    studyId: study.studyId,
    draftId: draft.studyId,
    studyToken: list.studyToken,
    itemToken: items[0]!.itemToken,
    caseId: (await db().case.findFirstOrThrow({ where: { studyId: study.studyId } })).id,
    importId,
    readerId: readerA.id,
    spareUserId: (await makeUser("READER")).id,
    auditId: (
      await createAudit(db(), {
        name: "Matrix audit",
        modelName: "matrix-model",
        reviewerIds: [readerA.id],
      })
    ).id,
  };
});

function headers(role: Role, extra: Record<string, string> = {}): Record<string, string> {
  const token = f.tokens[role];
  return token ? { authorization: `Bearer ${token}`, ...extra } : extra;
}

function outcomeOf(status: number): Outcome {
  if (status === 401) return "unauthenticated";
  if (status === 403) return "forbidden";
  if (status === 404) return "hidden";
  return "allowed";
}

/** A representative input for each procedure, built from the fixture. */
function inputFor(name: string): unknown {
  const key = `matrix-${Math.random().toString(36).slice(2, 12)}`;
  const inputs: Record<string, unknown> = {
    "studies.get": { id: f.studyId },
    "studies.create": { name: `Matrix ${key}`, readerIds: [f.readerId] },
    "studies.updateDesign": {
      id: f.studyId,
      design: {},
      successLevels: ["A"],
      stringentLevels: ["A"],
    },
    "studies.open": { id: f.studyId },
    "reading.get": { studyToken: f.studyToken },
    "reading.rate": { itemToken: f.itemToken, level: "A" },
    "reading.next": { studyId: f.studyToken },
    "reading.putRating": { token: f.itemToken, level: "A", idempotencyKey: key },
    "reading.finish": { studyToken: f.studyToken },
    "results.get": { id: f.studyId, replicates: 100 },
    "exports.list": { id: f.studyId },
    "jobs.progress": { id: f.studyId },
    "jobs.retryFailed": { id: f.studyId },
    "models.add": {
      name: "matrix-model",
      version: key,
      kind: "FINDINGS_CLASSIFIER",
      path: "/nonexistent/model",
    },
    "imports.list": { id: f.draftId },
    "imports.get": { importId: f.importId },
    "imports.startFromFolder": { studyId: f.draftId, name: "empty-dataset" },
    "imports.held": { id: f.studyId },
    "imports.release": { caseId: f.caseId },
    "imports.discard": { caseId: f.caseId },
    "qa.get": { id: f.auditId },
    "qa.create": {
      name: `Matrix audit ${key}`,
      modelName: "matrix-model",
      reviewerIds: [f.readerId],
    },
    "qa.setModel": { id: f.auditId, modelId: null },
    "users.setActive": { userId: f.spareUserId, active: true },
    "users.setRole": { userId: f.spareUserId, role: "READER" },
  };
  return inputs[name];
}

async function callProcedure(name: string, role: Role): Promise<number> {
  const procedure = (
    appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>
  )[name]!;
  const input = inputFor(name);
  const url = new URL(`${BASE}/api/trpc/${name}`);
  let req: Request;
  if (procedure._def.type === "query") {
    if (input !== undefined) url.searchParams.set("input", JSON.stringify(input));
    req = new Request(url, { headers: headers(role) });
  } else {
    req = new Request(url, {
      method: "POST",
      headers: headers(role, { "content-type": "application/json" }),
      body: JSON.stringify(input ?? {}),
    });
  }
  return (await trpcRoute.POST(req)).status;
}

const params = <T extends Record<string, string>>(value: T) => ({ params: Promise.resolve(value) });

/** How to call each HTTP endpoint as a given caller. */
const HTTP_CALLS: Record<string, (role: Role) => Promise<Response>> = {
  "GET /api/health": async () => healthRoute.GET(),
  "GET /api/v1/openapi.json": async (role) =>
    openApiRoute.GET(new Request(`${BASE}/api/v1/openapi.json`, { headers: headers(role) })),
  "GET /api/images/{token}": (role) =>
    imageRoute.GET(
      new Request(`${BASE}/api/images/${f.itemToken}`, { headers: headers(role) }),
      params({ token: f.itemToken }),
    ),
  "GET /api/admin/cases/{id}/image": (role) =>
    adminImageRoute.GET(
      new Request(`${BASE}/api/admin/cases/${f.caseId}/image`, { headers: headers(role) }),
      params({ id: f.caseId }),
    ),
  "POST /api/admin/studies/{id}/imports": (role) =>
    uploadRoute.POST(
      new Request(`${BASE}/api/admin/studies/${f.draftId}/imports`, {
        method: "POST",
        headers: headers(role),
        body: "not a zip",
      }),
      params({ id: f.draftId }),
    ),
  "GET /api/v1/studies/{id}/export": (role) =>
    exportRoute.GET(
      new Request(`${BASE}/api/v1/studies/${f.studyId}/export`, { headers: headers(role) }),
      params({ id: f.studyId }),
    ),
  "POST /api/v1/studies/{id}/cases": async (role) => {
    const form = new FormData();
    form.append("case", JSON.stringify({ case_id: "M-1", report: "Findings: x." }));
    return casesRoute.POST(
      await multipartRequest(`${BASE}/api/v1/studies/${f.draftId}/cases`, form, headers(role)),
      params({ id: f.draftId }),
    );
  },
  "POST /api/v1/audits/{id}/cases": async (role) => {
    const form = new FormData();
    form.append(
      "case",
      JSON.stringify({ accession: "M-1", report: "Findings: x.", generate: true }),
    );
    return auditCasesRoute.POST(
      await multipartRequest(`${BASE}/api/v1/audits/${f.auditId}/cases`, form, headers(role)),
      params({ id: f.auditId }),
    );
  },
  "GET /api/v1/studies/{id}/results": (role) =>
    restRoute.GET(
      new Request(`${BASE}/api/v1/studies/${f.studyId}/results`, { headers: headers(role) }),
    ),
  "POST /api/v1/studies": (role) =>
    restRoute.POST(
      new Request(`${BASE}/api/v1/studies`, {
        method: "POST",
        headers: headers(role, { "content-type": "application/json" }),
        body: JSON.stringify({ name: "Matrix REST study", readerIds: [f.readerId] }),
      }),
    ),
  "GET /api/v1/reading/{studyId}/next": (role) =>
    restRoute.GET(
      new Request(`${BASE}/api/v1/reading/${f.studyToken}/next`, { headers: headers(role) }),
    ),
  "PUT /api/v1/reading/items/{token}/rating": (role) =>
    restRoute.PUT(
      new Request(`${BASE}/api/v1/reading/items/${f.itemToken}/rating`, {
        method: "PUT",
        headers: headers(role, { "content-type": "application/json" }),
        body: JSON.stringify({ level: "B", idempotencyKey: `rest-${role}-${Date.now()}` }),
      }),
    ),
};

/** Every route file's exported methods, as "METHOD /path". */
function routeEndpoints(): { file: string; endpoints: string[] }[] {
  const out: { file: string; endpoints: string[] }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") out.push({ file: full, endpoints: [] });
    }
  };
  walk("app/api");
  return out;
}

describe("the access-control matrix", () => {
  it("has a row for every tRPC procedure, and no row for one that does not exist", () => {
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(TRPC_MATRIX).sort());
  });

  it("has a row for every route handler and REST operation, and none stale", async () => {
    const found = new Set<string>();
    for (const { file } of routeEndpoints()) {
      if (NOT_IN_MATRIX[file]) continue;
      const mod = (await import(`@/${file}`)) as Record<string, unknown>;
      const route = `/${path
        .dirname(file)
        .replace(/^app\//, "")
        .replace(/\[([^\]]+)\]/g, "{$1}")}`;
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
        if (typeof mod[method] === "function") found.add(`${method} ${route}`);
      }
    }
    const doc = getOpenApiDocument(`${BASE}/api/v1`) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) found.add(`${method.toUpperCase()} /api/v1${p}`);
    }
    expect([...found].sort()).toEqual(Object.keys(HTTP_MATRIX).sort());
    expect(Object.keys(HTTP_CALLS).sort()).toEqual(Object.keys(HTTP_MATRIX).sort());
  });

  for (const name of Object.keys(TRPC_MATRIX)) {
    it(`tRPC ${name}`, async () => {
      const got: Partial<Record<Role, Outcome>> = {};
      for (const role of ROLES) got[role] = outcomeOf(await callProcedure(name, role));
      expect(got).toEqual(TRPC_MATRIX[name]);
    });
  }

  for (const endpoint of Object.keys(HTTP_MATRIX)) {
    it(`HTTP ${endpoint}`, async () => {
      const got: Partial<Record<Role, Outcome>> = {};
      for (const role of ROLES) got[role] = outcomeOf((await HTTP_CALLS[endpoint]!(role)).status);
      expect(got).toEqual(HTTP_MATRIX[endpoint]);
    });
  }
});
