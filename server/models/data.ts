import type { DbClient } from "../db/client";

export async function listModels(db: DbClient) {
  const rows = await db.aiModel.findMany({
    orderBy: [{ name: "asc" }, { createdAt: "desc" }],
    select: {
      id: true,
      name: true,
      version: true,
      kind: true,
      path: true,
      sha256: true,
      isDemo: true,
      parameters: true,
      createdAt: true,
      _count: { select: { reports: true } },
    },
  });
  return rows.map(({ _count, createdAt, parameters, ...m }) => ({
    ...m,
    parameters: (parameters ?? {}) as Record<string, unknown>,
    reports: _count.reports,
    createdAt: createdAt.toISOString(),
  }));
}
