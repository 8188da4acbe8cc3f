import pg from "pg";

export interface LargeStudy {
  studyId: string;
  readers: number;
  cases: number;
  ratings: number;
}

/**
 * Seeds a fully crossed study straight in SQL (generate_series), since creating 200,000
 * ratings through the API would measure the API, not the results. Levels are drawn with
 * fixed probabilities per source, readers differ in leniency, and cases differ in difficulty.
 */
export async function seedLargeStudy(
  client: pg.Client,
  { readers, cases }: { readers: number; cases: number },
): Promise<LargeStudy> {
  await client.query("SELECT setseed(0.42)");
  await client.query(`
    INSERT INTO users (id, email, name, password_hash, role)
    SELECT 'bench-u' || g, 'bench-reader' || g || '@bench.local', 'Bench Reader ' || g, 'x', 'READER'::"Role"
    FROM generate_series(1, ${readers}) g;
    INSERT INTO ai_models (id, name, version, sha256, path, is_demo)
    VALUES ('bench-m', 'bench-model', '1.0', repeat('0', 64), 'none', true);
    INSERT INTO studies (id, name, status, seed, opened_at) VALUES ('bench-s', 'Benchmark study', 'OPEN'::"StudyStatus", 1, now());
    INSERT INTO study_models (study_id, model_id) VALUES ('bench-s', 'bench-m');
    INSERT INTO cases (id, study_id, external_id, image_path, image_sha256, is_abnormal, finding_tags)
    SELECT 'bench-c' || g, 'bench-s', 'CASE-' || lpad(g::text, 5, '0'), 'none', repeat('0', 64), g % 2 = 0,
      CASE WHEN g % 2 = 0 THEN ARRAY['pleural_effusion'] ELSE ARRAY[]::text[] END
    FROM generate_series(1, ${cases}) g;
    INSERT INTO reports (id, case_id, source, model_id, text)
    SELECT 'bench-gt' || g, 'bench-c' || g, 'GROUND_TRUTH'::"ReportSource", NULL, 'Findings: ground truth.' FROM generate_series(1, ${cases}) g
    UNION ALL
    SELECT 'bench-ai' || g, 'bench-c' || g, 'AI'::"ReportSource", 'bench-m', 'Findings: model.' FROM generate_series(1, ${cases}) g;
    INSERT INTO study_readers (id, study_id, user_id, token, order_seed)
    SELECT 'bench-sr' || lpad(g::text, 3, '0'), 'bench-s', 'bench-u' || g, 'bench-token-' || g, g FROM generate_series(1, ${readers}) g;
  `);
  await client.query(`
    INSERT INTO reading_items (id, study_id, study_reader_id, report_id, position, token)
    SELECT 'bench-i' || sr.n || '-' || r.n, 'bench-s', sr.id, r.id, r.n, 'bench-item-' || sr.n || '-' || r.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM study_readers WHERE study_id = 'bench-s') sr
    CROSS JOIN (SELECT id, row_number() OVER (ORDER BY id) n FROM reports WHERE id LIKE 'bench-%') r;
  `);
  await client.query(`
    INSERT INTO ratings (id, item_id, level, active_ms, created_at, updated_at)
    SELECT 'bench-r' || i.id, i.id,
      (ARRAY['A','B','C','D'])[width_bucket(
        random() * 0.9 + (abs(hashtext(i.study_reader_id)) % 100) / 100.0 * 0.15
          + CASE WHEN rp.source = 'AI' THEN 0.15 ELSE 0 END,
        0, 1.2, 4)]::"RatingLevel",
      (5000 + random() * 40000)::int, now(), now()
    FROM reading_items i JOIN reports rp ON rp.id = i.report_id WHERE i.study_id = 'bench-s';
  `);
  // Fresh planner statistics, as autovacuum would have gathered on a live database.
  await client.query("ANALYZE");
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM ratings r JOIN reading_items i ON i.id = r.item_id WHERE i.study_id = 'bench-s'",
  );
  return { studyId: "bench-s", readers, cases, ratings: Number(rows[0]!.n) };
}
