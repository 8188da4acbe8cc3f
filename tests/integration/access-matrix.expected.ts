/**
 * Who may call what: the expected outcome of every tRPC procedure and HTTP endpoint for each
 * kind of caller. Written from the product's rules, not from the code's answers:
 * - admin procedures and endpoints: admins only (readers are refused, 403);
 * - reader procedures: readers only (admins too are refused: they have no reading lists);
 * - a reader of another study gets "not found" (404) for this study's lists and items, the same
 *   answer as for a made-up token, so probing learns nothing;
 * - no credentials, or a revoked API token: 401.
 * "allowed" means the caller got past access control (the call may still fail on its merits).
 * Adding a procedure or an endpoint without a row here fails access-matrix.test.ts.
 */
export const ROLES = ["anonymous", "readerOfStudy", "readerOfOther", "admin", "revoked"] as const;
export type Role = (typeof ROLES)[number];
export type Outcome = "allowed" | "unauthenticated" | "forbidden" | "hidden";
type Row = Record<Role, Outcome>;

const ADMIN_ONLY: Row = {
  anonymous: "unauthenticated",
  readerOfStudy: "forbidden",
  readerOfOther: "forbidden",
  admin: "allowed",
  revoked: "unauthenticated",
};
const OWN_READER_ONLY: Row = {
  anonymous: "unauthenticated",
  readerOfStudy: "allowed",
  readerOfOther: "hidden",
  admin: "forbidden",
  revoked: "unauthenticated",
};
const ANY_READER: Row = {
  anonymous: "unauthenticated",
  readerOfStudy: "allowed",
  readerOfOther: "allowed",
  admin: "forbidden",
  revoked: "unauthenticated",
};
const ANY_SIGNED_IN: Row = {
  anonymous: "unauthenticated",
  readerOfStudy: "allowed",
  readerOfOther: "allowed",
  admin: "allowed",
  revoked: "unauthenticated",
};
const PUBLIC: Row = {
  anonymous: "allowed",
  readerOfStudy: "allowed",
  readerOfOther: "allowed",
  admin: "allowed",
  revoked: "allowed",
};

export const TRPC_MATRIX: Record<string, Row> = {
  "studies.list": ADMIN_ONLY,
  "studies.get": ADMIN_ONLY,
  "studies.formOptions": ADMIN_ONLY,
  "studies.create": ADMIN_ONLY,
  "studies.updateDesign": ADMIN_ONLY,
  "studies.open": ADMIN_ONLY,
  "reading.list": ANY_READER,
  "reading.get": OWN_READER_ONLY,
  "reading.rate": OWN_READER_ONLY,
  "reading.next": OWN_READER_ONLY,
  "reading.putRating": OWN_READER_ONLY,
  "reading.finish": OWN_READER_ONLY,
  "results.get": ADMIN_ONLY,
  "exports.list": ADMIN_ONLY,
  "jobs.progress": ADMIN_ONLY,
  "jobs.retryFailed": ADMIN_ONLY,
  "models.list": ADMIN_ONLY,
  "models.add": ADMIN_ONLY,
  "imports.list": ADMIN_ONLY,
  "imports.get": ADMIN_ONLY,
  "imports.sources": ADMIN_ONLY,
  "imports.startFromFolder": ADMIN_ONLY,
  "imports.held": ADMIN_ONLY,
  "imports.release": ADMIN_ONLY,
  "imports.discard": ADMIN_ONLY,
  "audit.list": ADMIN_ONLY,
  "audit.verify": ADMIN_ONLY,
  "qa.list": ADMIN_ONLY,
  "qa.get": ADMIN_ONLY,
  "qa.create": ADMIN_ONLY,
  "qa.setModel": ADMIN_ONLY,
  "users.list": ADMIN_ONLY,
  "users.setActive": ADMIN_ONLY,
  "users.setRole": ADMIN_ONLY,
  // For the caller's own sessions only.
  "users.signOutEverywhere": ANY_SIGNED_IN,
};

/** Route handlers outside tRPC, and the REST API's operations, as "METHOD /path". */
export const HTTP_MATRIX: Record<string, Row> = {
  "GET /api/health": PUBLIC,
  "GET /api/v1/openapi.json": PUBLIC,
  // An item's image answers its own reader only; to anyone else signed in it does not exist.
  "GET /api/images/{token}": { ...OWN_READER_ONLY, admin: "hidden" },
  "GET /api/admin/cases/{id}/image": ADMIN_ONLY,
  "POST /api/admin/studies/{id}/imports": ADMIN_ONLY,
  "GET /api/v1/studies/{id}/export": ADMIN_ONLY,
  "POST /api/v1/studies/{id}/cases": ADMIN_ONLY,
  "GET /api/v1/studies/{id}/results": ADMIN_ONLY,
  "POST /api/v1/studies": ADMIN_ONLY,
  "POST /api/v1/audits/{id}/cases": ADMIN_ONLY,
  "GET /api/v1/reading/{studyId}/next": OWN_READER_ONLY,
  "PUT /api/v1/reading/items/{token}/rating": OWN_READER_ONLY,
};

/** Route files that are not access-checked here, and why. */
export const NOT_IN_MATRIX: Record<string, string> = {
  "app/api/auth/[...nextauth]/route.ts": "next-auth's own sign-in and session endpoints",
  "app/api/trpc/[trpc]/route.ts": "every procedure behind it is in TRPC_MATRIX",
  "app/api/v1/[...path]/route.ts": "every REST operation behind it is in HTTP_MATRIX",
};
