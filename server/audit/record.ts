import type { DbClient } from "../db/client";

export type AuditAction =
  | "rating.created"
  | "rating.changed"
  | "study.created"
  | "study.design_changed"
  | "study.opened"
  | "export.unblinded"
  | "user.created"
  | "token.created"
  | "token.revoked"
  | "token.used"
  | "import.completed"
  | "case.released"
  | "case.discarded"
  | "user.signed_out_everywhere"
  | "user.deactivated"
  | "user.reactivated"
  | "user.role_changed"
  | "audit.created"
  | "audit.model_changed"
  | "audit.alert_fired";

export interface AuditInput {
  /** A user id, "cli" for the command line, or "system" for what the platform did itself. */
  actor: string;
  action: AuditAction;
  subjectType?: string;
  subjectId?: string;
  details?: Record<string, unknown>;
}

/**
 * Appends one event to the audit trail, in the caller's transaction when given one, so the
 * event exists exactly when the change does. The database fills in the hash chain.
 */
export async function recordAudit(db: DbClient, event: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actor: event.actor,
      action: event.action,
      subjectType: event.subjectType ?? null,
      subjectId: event.subjectId ?? null,
      details: JSON.stringify(event.details ?? {}),
    },
    select: { id: true },
  });
}
