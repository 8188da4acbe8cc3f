import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Extra classes for this column's body cells (font, colour). */
  className?: string;
  align?: "right";
}

export interface Row {
  key: string;
  cells: ReactNode[];
}

/** The admin pages' one table style: a header row, then rows of cells. */
export function DataTable({
  columns,
  rows,
  testId,
}: {
  columns: (string | Column)[];
  rows: Row[];
  testId?: string;
}) {
  const cols = columns.map((c) => (typeof c === "string" ? { label: c } : c));
  return (
    <table
      data-testid={testId}
      className="w-full rounded-lg border border-slate-200 bg-white text-sm"
    >
      <thead className="bg-slate-100 text-left text-slate-600">
        <tr>
          {cols.map((c) => (
            <th key={c.label} className={`px-3 py-2 font-medium ${c.align ? "text-right" : ""}`}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} className="border-t border-slate-100 align-top">
            {row.cells.map((cell, j) => (
              <td
                key={j}
                className={`px-3 py-1.5 ${cols[j]?.align ? "text-right" : ""} ${cols[j]?.className ?? ""}`}
              >
                {cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
