"use client";

import { useRef, type ReactNode } from "react";

/** A titled chart with SVG and PNG downloads of exactly what is drawn. */
export function ChartFrame({
  title,
  filename,
  children,
}: {
  title: string;
  filename: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const svgText = () => {
    const svg = ref.current?.querySelector("svg");
    if (!svg) return null;
    const clone = svg.cloneNode(true) as SVGSVGElement;
    clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return { text: new XMLSerializer().serializeToString(clone), svg };
  };
  const save = (blob: Blob, ext: string) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${filename}.${ext}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1_000);
  };
  const downloadSvg = () => {
    const s = svgText();
    if (s) save(new Blob([s.text], { type: "image/svg+xml" }), "svg");
  };
  const downloadPng = () => {
    const s = svgText();
    if (!s) return;
    const { width, height } = s.svg.viewBox.baseVal;
    const scale = 2;
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = width * scale;
      canvas.height = height * scale;
      const ctx = canvas.getContext("2d");
      if (!ctx) return;
      ctx.fillStyle = "white";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => blob && save(blob, "png"), "image/png");
    };
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s.text)}`;
  };
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4">
      <div className="mb-2 flex items-center justify-between">
        <figcaption className="font-medium">{title}</figcaption>
        <div className="flex gap-2 text-xs">
          <button
            type="button"
            onClick={downloadSvg}
            className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100"
          >
            SVG
          </button>
          <button
            type="button"
            onClick={downloadPng}
            className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100"
          >
            PNG
          </button>
        </div>
      </div>
      <div ref={ref}>{children}</div>
    </figure>
  );
}

const LEVEL_COLOURS = ["#059669", "#84cc16", "#f59e0b", "#dc2626"] as const;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** Stacked A-D shares per row (source or reader), with counts on hover. */
export function StackedLevels({ rows }: { rows: { label: string; counts: number[] }[] }) {
  const labelWidth = 240;
  const barWidth = 420;
  const rowHeight = 28;
  const height = rows.length * rowHeight + 34;
  return (
    <svg
      viewBox={`0 0 ${labelWidth + barWidth + 20} ${height}`}
      width="100%"
      role="img"
      aria-label="Ratings A to D per source"
      fontFamily={FONT}
      fontSize="12"
    >
      {rows.map((row, i) => {
        const total = row.counts.reduce((a, b) => a + b, 0);
        let x = labelWidth;
        return (
          <g key={row.label} transform={`translate(0, ${i * rowHeight})`}>
            <text x={labelWidth - 8} y={18} textAnchor="end" fill="#0f172a">
              {row.label.length > 36 ? `${row.label.slice(0, 35)}…` : row.label}
            </text>
            {row.counts.map((count, level) => {
              const w = total ? (barWidth * count) / total : 0;
              const rect = (
                <rect key={level} x={x} y={4} width={w} height={20} fill={LEVEL_COLOURS[level]}>
                  <title>{`${"ABCD"[level]}: ${count} of ${total}`}</title>
                </rect>
              );
              const label =
                w > 26 ? (
                  <text
                    key={`t${level}`}
                    x={x + w / 2}
                    y={18}
                    textAnchor="middle"
                    fill="white"
                    fontSize="11"
                  >
                    {Math.round((100 * count) / total)}%
                  </text>
                ) : null;
              x += w;
              return [rect, label];
            })}
          </g>
        );
      })}
      <g transform={`translate(${labelWidth}, ${rows.length * rowHeight + 10})`}>
        {["A", "B", "C", "D"].map((level, i) => (
          <g key={level} transform={`translate(${i * 70}, 0)`}>
            <rect width={12} height={12} fill={LEVEL_COLOURS[i]} />
            <text x={16} y={10} fill="#334155">
              {level}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}

export interface ForestRow {
  label: string;
  group: string;
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** Point estimates with 95% intervals on a 0-100% axis, one line per row. */
export function ForestPlot({
  rows,
  groupColours,
}: {
  rows: ForestRow[];
  groupColours: Record<string, string>;
}) {
  const labelWidth = 200;
  const plotWidth = 420;
  const rowHeight = 22;
  const top = 10;
  const height = top + rows.length * rowHeight + 40;
  const xOf = (p: number) => labelWidth + p * plotWidth;
  return (
    <svg
      viewBox={`0 0 ${labelWidth + plotWidth + 30} ${height}`}
      width="100%"
      role="img"
      aria-label="Success rate per reader with 95% intervals"
      fontFamily={FONT}
      fontSize="12"
    >
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line
            x1={xOf(t)}
            x2={xOf(t)}
            y1={top}
            y2={top + rows.length * rowHeight}
            stroke="#e2e8f0"
          />
          <text
            x={xOf(t)}
            y={top + rows.length * rowHeight + 16}
            textAnchor="middle"
            fill="#475569"
          >
            {t * 100}%
          </text>
        </g>
      ))}
      {rows.map((row, i) => {
        const y = top + i * rowHeight + rowHeight / 2;
        const colour = groupColours[row.group] ?? "#0369a1";
        return (
          <g key={`${row.label}-${row.group}`}>
            <text x={labelWidth - 8} y={y + 4} textAnchor="end" fill="#0f172a">
              {row.label}
            </text>
            {row.lower !== null && row.upper !== null && (
              <line
                x1={xOf(row.lower)}
                x2={xOf(row.upper)}
                y1={y}
                y2={y}
                stroke={colour}
                strokeWidth={2}
              />
            )}
            {row.estimate !== null && (
              <rect x={xOf(row.estimate) - 4} y={y - 4} width={8} height={8} fill={colour}>
                <title>{`${row.label}: ${(row.estimate * 100).toFixed(1)}% [${((row.lower ?? 0) * 100).toFixed(1)}, ${((row.upper ?? 0) * 100).toFixed(1)}]`}</title>
              </rect>
            )}
          </g>
        );
      })}
      <g transform={`translate(${labelWidth}, ${height - 12})`}>
        {Object.entries(groupColours).map(([group, colour], i) => (
          <g key={group} transform={`translate(${i * 200}, 0)`}>
            <rect width={10} height={10} y={-9} fill={colour} />
            <text x={14} fill="#334155">
              {group.length > 28 ? `${group.slice(0, 27)}…` : group}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}

/** A readers x readers matrix of an agreement statistic (e.g. quadratic-weighted kappa). */
export function HeatMap({
  labels,
  value,
}: {
  labels: string[];
  value: (a: number, b: number) => number | null;
}) {
  const cell = 44;
  const margin = 40;
  const size = margin + labels.length * cell;
  const colour = (v: number | null) => {
    if (v === null) return "#f1f5f9";
    const t = Math.max(0, Math.min(1, v));
    // White (no agreement) to deep blue (perfect agreement).
    const r = Math.round(255 - t * (255 - 3));
    const g = Math.round(255 - t * (255 - 105));
    const b = Math.round(255 - t * (255 - 161));
    return `rgb(${r},${g},${b})`;
  };
  return (
    <svg
      viewBox={`0 0 ${size + 10} ${size + 10}`}
      width={Math.min(560, size + 10)}
      role="img"
      aria-label="Agreement between readers"
      fontFamily={FONT}
      fontSize="11"
    >
      {labels.map((label, i) => (
        <g key={label}>
          <text x={margin + i * cell + cell / 2} y={margin - 8} textAnchor="middle" fill="#334155">
            {label}
          </text>
          <text x={margin - 6} y={margin + i * cell + cell / 2 + 4} textAnchor="end" fill="#334155">
            {label}
          </text>
        </g>
      ))}
      {labels.map((_, a) =>
        labels.map((__, b) => {
          const v = a === b ? 1 : value(a, b);
          return (
            <g key={`${a}-${b}`}>
              <rect
                x={margin + b * cell}
                y={margin + a * cell}
                width={cell - 2}
                height={cell - 2}
                fill={colour(v)}
              >
                <title>{`${labels[a]} vs ${labels[b]}: ${v === null ? "undefined" : v.toFixed(2)}`}</title>
              </rect>
              <text
                x={margin + b * cell + cell / 2 - 1}
                y={margin + a * cell + cell / 2 + 3}
                textAnchor="middle"
                fill={v !== null && v > 0.6 ? "white" : "#0f172a"}
              >
                {v === null ? "–" : v.toFixed(2)}
              </text>
            </g>
          );
        }),
      )}
    </svg>
  );
}
