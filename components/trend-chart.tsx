"use client";

import { ChartFrame } from "./charts";

export interface TrendPoint {
  /** Period start, ISO date. */
  start: string;
  rate: number | null;
  lower: number | null;
  upper: number | null;
  ratings: number;
  radiologist: number | null;
  lowerLimit: number | null;
  upperLimit: number | null;
  breached: boolean;
  judged: boolean;
  newVersions: string[];
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/**
 * The AI reports' success rate per period with 95% intervals, the radiologists' for
 * reference, the alert rule (a threshold, or p-chart limits around a centre line), and the
 * periods where a new model version went live.
 */
export function TrendChart({
  points,
  threshold,
  centre,
  filename,
}: {
  points: TrendPoint[];
  threshold: number | null;
  centre: number | null;
  filename: string;
}) {
  const left = 48;
  const top = 16;
  const plotW = Math.max(360, points.length * 56);
  const plotH = 220;
  const width = left + plotW + 24;
  const height = top + plotH + 64;
  const x = (i: number) => left + ((i + 0.5) * plotW) / Math.max(points.length, 1);
  const y = (v: number) => top + plotH * (1 - v);
  const step = (key: "lowerLimit" | "upperLimit") =>
    points
      .map((p, i) => {
        const v = p[key];
        if (v === null) return "";
        const half = plotW / Math.max(points.length, 1) / 2;
        return `M${x(i) - half},${y(v)} H${x(i) + half}`;
      })
      .join(" ");
  return (
    <ChartFrame title="Success rate of AI reports per period" filename={filename}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label="Success rate per period with 95% intervals and the alert rule"
        fontFamily={FONT}
        fontSize="11"
        data-testid="trend-chart"
      >
        {[0, 0.25, 0.5, 0.75, 1].map((v) => (
          <g key={v}>
            <line x1={left} x2={left + plotW} y1={y(v)} y2={y(v)} stroke="#e2e8f0" />
            <text x={left - 6} y={y(v) + 4} textAnchor="end" fill="#475569">
              {Math.round(v * 100)}%
            </text>
          </g>
        ))}
        {threshold !== null && (
          <g>
            <line
              x1={left}
              x2={left + plotW}
              y1={y(threshold)}
              y2={y(threshold)}
              stroke="#dc2626"
              strokeDasharray="6 4"
            />
            <text x={left + plotW} y={y(threshold) - 4} textAnchor="end" fill="#dc2626">
              alert below {Math.round(threshold * 100)}%
            </text>
          </g>
        )}
        {centre !== null && (
          <g>
            <line
              x1={left}
              x2={left + plotW}
              y1={y(centre)}
              y2={y(centre)}
              stroke="#0f766e"
              strokeDasharray="2 3"
            />
            <path d={step("lowerLimit")} stroke="#dc2626" strokeDasharray="6 4" fill="none" />
            <path d={step("upperLimit")} stroke="#94a3b8" strokeDasharray="6 4" fill="none" />
          </g>
        )}
        {points.map((p, i) =>
          p.newVersions.length > 0 ? (
            <g key={`v${p.start}`}>
              <line
                x1={x(i) - plotW / Math.max(points.length, 1) / 2}
                x2={x(i) - plotW / Math.max(points.length, 1) / 2}
                y1={top}
                y2={top + plotH}
                stroke="#7c3aed"
                strokeDasharray="3 3"
              />
              <text
                x={x(i) - plotW / Math.max(points.length, 1) / 2 + 3}
                y={top + 10}
                fill="#7c3aed"
              >
                v{p.newVersions.join(", v")}
              </text>
            </g>
          ) : null,
        )}
        {points.map((p, i) => (
          <g key={p.start}>
            {p.lower !== null && p.upper !== null && (
              <line x1={x(i)} x2={x(i)} y1={y(p.lower)} y2={y(p.upper)} stroke="#0369a1" />
            )}
            {p.radiologist !== null && (
              <circle cx={x(i) + 8} cy={y(p.radiologist)} r={3.5} fill="white" stroke="#64748b">
                <title>{`Radiologists: ${Math.round(p.radiologist * 100)}%`}</title>
              </circle>
            )}
            {p.rate !== null && (
              <circle
                cx={x(i)}
                cy={y(p.rate)}
                r={5}
                fill={p.breached ? "#dc2626" : p.judged ? "#0369a1" : "#93c5fd"}
                data-breached={p.breached ? "true" : "false"}
              >
                <title>
                  {`${p.start.slice(0, 10)}: ${Math.round(p.rate * 100)}% of ${p.ratings} ratings` +
                    (p.lower !== null && p.upper !== null
                      ? ` (95% CI ${Math.round(p.lower * 100)}-${Math.round(p.upper * 100)}%)`
                      : "") +
                    (p.judged ? "" : "; too few ratings to judge")}
                </title>
              </circle>
            )}
            <text
              x={x(i)}
              y={top + plotH + 16}
              textAnchor="middle"
              fill="#475569"
              transform={`rotate(-30 ${x(i)} ${top + plotH + 16})`}
            >
              {p.start.slice(0, 10)}
            </text>
          </g>
        ))}
        <g transform={`translate(${left}, ${height - 12})`} fill="#334155">
          <circle cx={5} cy={-4} r={5} fill="#0369a1" />
          <text x={14} y={0}>
            AI reports (95% CI)
          </text>
          <circle cx={150} cy={-4} r={5} fill="#dc2626" />
          <text x={159} y={0}>
            breach
          </text>
          <circle cx={225} cy={-4} r={3.5} fill="white" stroke="#64748b" />
          <text x={234} y={0}>
            radiologists
          </text>
        </g>
      </svg>
    </ChartFrame>
  );
}
