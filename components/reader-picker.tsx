"use client";

/** Check boxes for choosing readers (of a study, or reviewers of an audit). */
export function ReaderPicker({
  legend,
  readers,
  chosen,
  onChange,
}: {
  legend: string;
  readers: { id: string; name: string; email: string }[] | undefined;
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  return (
    <fieldset>
      <legend className="text-sm font-medium">{legend}</legend>
      {readers?.length === 0 && (
        <p className="text-sm text-slate-500">
          No readers yet: create them with <code>npx blindread users create --role reader</code>.
        </p>
      )}
      <div className="mt-1 grid gap-1 sm:grid-cols-2">
        {readers?.map((r) => (
          <label key={r.id} className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={chosen.includes(r.id)}
              onChange={() =>
                onChange(
                  chosen.includes(r.id) ? chosen.filter((x) => x !== r.id) : [...chosen, r.id],
                )
              }
            />
            {r.name} <span className="text-slate-500">{r.email}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
