import { escapeLiteral } from "pg";

const isoUtc = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One row per rating, long format, in the column order of RATING_COLUMNS. Built as one SQL
 * statement so it can run under COPY, which streams CSV straight out of PostgreSQL.
 * Literals are escaped because COPY takes no bind parameters.
 */
export function ratingsQuery(studyId: string): string {
  const study = escapeLiteral(studyId);
  return `
    WITH readers AS (
      SELECT id, 'R' || row_number() OVER (ORDER BY id) AS pseudonym, row_number() OVER (ORDER BY id) AS n
      FROM study_readers WHERE study_id = ${study}
    )
    SELECT s.id AS study_id, s.name AS study_name, rd.pseudonym AS reader, c.external_id AS case_id,
      CASE rp.source WHEN 'GROUND_TRUTH' THEN 'ground_truth' ELSE 'ai' END AS source,
      m.name AS model_name, m.version AS model_version, r.level::text AS rating,
      CASE WHEN r.level = ANY(s.success_levels) THEN 1 ELSE 0 END AS success,
      CASE WHEN r.level = ANY(s.stringent_levels) THEN 1 ELSE 0 END AS stringent_success,
      r.comment, array_to_string(r.flags, ';') AS flags, r.active_ms, ri.position,
      ${isoUtc("r.created_at")} AS rated_at, ${isoUtc("r.updated_at")} AS updated_at,
      ${isoUtc("ac.received_at")} AS reported_at, ac.reason AS sampled_because
    FROM ratings r
    JOIN reading_items ri ON ri.id = r.item_id
    JOIN readers rd ON rd.id = ri.study_reader_id
    JOIN reports rp ON rp.id = ri.report_id
    JOIN cases c ON c.id = rp.case_id
    JOIN studies s ON s.id = ri.study_id
    LEFT JOIN ai_models m ON m.id = rp.model_id
    LEFT JOIN audit_cases ac ON ac.case_id = c.id
    WHERE ri.study_id = ${study}
    ORDER BY rd.n, c.external_id, rp.source, m.name, m.version`;
}

export function casesQuery(studyId: string): string {
  return `
    SELECT c.external_id AS case_id, c.is_abnormal, array_to_string(c.finding_tags, ';') AS finding_tags,
      c.site, c.image_sha256,
      CASE WHEN bool_or(j.status = 'FAILED') THEN 'failed'
           WHEN bool_or(j.status IN ('QUEUED', 'RUNNING')) THEN 'pending' ELSE 'ready' END AS status,
      string_agg(j.error_message, '; ') AS problem
    FROM cases c LEFT JOIN generation_jobs j ON j.case_id = c.id
    WHERE c.study_id = ${escapeLiteral(studyId)}
    GROUP BY c.id ORDER BY c.external_id`;
}

export function reportsQuery(studyId: string): string {
  return `
    SELECT c.external_id AS case_id,
      CASE rp.source WHEN 'GROUND_TRUTH' THEN 'ground_truth' ELSE 'ai' END AS source,
      m.name AS model_name, m.version AS model_version, rp.provider, rp.generation_ms,
      ${isoUtc("rp.created_at")} AS created_at, rp.text
    FROM reports rp JOIN cases c ON c.id = rp.case_id LEFT JOIN ai_models m ON m.id = rp.model_id
    WHERE c.study_id = ${escapeLiteral(studyId)}
    ORDER BY c.external_id, rp.source, m.name, m.version`;
}
