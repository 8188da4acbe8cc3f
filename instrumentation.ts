/** Runs once when a web server process starts (Next.js), never during a build. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getDb } = await import("./server/db/client");
  const { startAuditLoop } = await import("./server/audits/loop");
  startAuditLoop(getDb());
}
