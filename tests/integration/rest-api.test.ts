import { beforeAll, describe, expect, it } from "vitest";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route";
import { GET as restGet } from "@/app/api/v1/[...path]/route";
import { createApiToken, revokeApiToken } from "@/server/auth/mutations";
import { db, makeStudy, makeUser } from "./helpers";

const BASE = "http://127.0.0.1:3000/api/v1";

function get(path: string, token?: string) {
  return restGet(
    new Request(`${BASE}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
  );
}

describe("REST API /api/v1", () => {
  let studyId: string;
  let adminToken: string;
  let readerToken: string;

  beforeAll(async () => {
    const admin = await makeUser("ADMIN");
    const reader = await makeUser("READER");
    studyId = (await makeStudy({ readerIds: [reader.id], cases: [{}] })).studyId;
    adminToken = (await createApiToken(db(), { email: admin.email })).token;
    readerToken = (await createApiToken(db(), { email: reader.email })).token;
  });

  it("returns a study's results to an admin token", async () => {
    const res = await get(`/studies/${studyId}/results`, adminToken);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.study.id).toBe(studyId);
    expect(body.sources.map((s: { source: string }) => s.source)).toEqual(["GROUND_TRUTH", "AI"]);
  });

  it("refuses no token (401), a reader's token (403) and a revoked token (401)", async () => {
    expect((await get(`/studies/${studyId}/results`)).status).toBe(401);
    expect((await get(`/studies/${studyId}/results`, readerToken)).status).toBe(403);
    const admin = await makeUser("ADMIN");
    const created = await createApiToken(db(), { email: admin.email });
    expect((await get(`/studies/${studyId}/results`, created.token)).status).toBe(200);
    await revokeApiToken(db(), created.token);
    expect((await get(`/studies/${studyId}/results`, created.token)).status).toBe(401);
  });

  it("answers 404 with a message for an unknown study", async () => {
    const res = await get(`/studies/nope/results`, adminToken);
    expect(res.status).toBe(404);
    expect((await res.json()).message).toBe("Study not found");
  });

  it("publishes an OpenAPI document generated from the same schemas", async () => {
    const res = getOpenApi(new Request(`${BASE}/openapi.json`));
    const doc = await res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const op = doc.paths["/studies/{id}/results"].get;
    expect(op.security).toBeDefined();
    const schema = op.responses["200"].content["application/json"].schema;
    expect(JSON.stringify(schema)).toContain("stringent");
    // The multipart endpoints, outside tRPC, are described too.
    expect(doc.paths["/audits/{id}/cases"].post.requestBody.content).toHaveProperty(
      "multipart/form-data",
    );
  });
});
