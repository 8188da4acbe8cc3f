import type { DbClient } from "../db/client";

export interface ChainReport {
  events: number;
  intact: boolean;
  /**
   * The last event and its hash. Recording it elsewhere (a ticket, an e-mail) anchors the
   * chain: removing events from its end is then detectable too.
   */
  head: { id: string; hash: string } | null;
  /** The first event whose link or hash does not match, and why. */
  firstBroken: { id: string; reason: string } | null;
}

/**
 * Recomputes every link of the chain in the database (the same function the insert trigger
 * hashes with): each event must name the previous event's hash and hash to its stored value.
 */
export async function verifyAuditChain(db: DbClient): Promise<ChainReport> {
  const [summary] = await db.$queryRaw<
    { events: bigint; bad_id: bigint | null; bad_link: boolean | null }[]
  >`
    WITH checked AS (
      SELECT e.id,
             e.prev_hash IS NOT DISTINCT FROM lag(e.hash) OVER (ORDER BY e.id) AS link_ok,
             e.hash = encode(sha256(audit_event_payload(e.prev_hash, e)), 'hex') AS hash_ok
      FROM audit_events e
    )
    SELECT (SELECT count(*) FROM checked) AS events,
           (SELECT id FROM checked WHERE NOT (link_ok AND coalesce(hash_ok, false)) ORDER BY id LIMIT 1) AS bad_id,
           (SELECT NOT link_ok FROM checked WHERE NOT (link_ok AND coalesce(hash_ok, false)) ORDER BY id LIMIT 1) AS bad_link`;
  const events = Number(summary?.events ?? 0);
  const last = await db.auditEvent.findFirst({
    orderBy: { id: "desc" },
    select: { id: true, hash: true },
  });
  const head = last ? { id: last.id.toString(), hash: last.hash ?? "" } : null;
  if (!summary?.bad_id) return { events, intact: true, head, firstBroken: null };
  return {
    events,
    intact: false,
    head,
    firstBroken: {
      id: summary.bad_id.toString(),
      reason: summary.bad_link
        ? "it does not name the previous event's hash (an event was removed or inserted)"
        : "its fields no longer match its hash (the event was changed)",
    },
  };
}

export async function listAuditEvents(db: DbClient, limit = 200) {
  const rows = await db.auditEvent.findMany({
    orderBy: { id: "desc" },
    take: limit,
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    details: r.details,
    hash: r.hash ?? "",
  }));
}
