import { createRng } from "../lib/rng";

export interface AssignableReport {
  reportId: string;
  caseId: string;
}

/**
 * One reader's reading order: a seeded random permutation in which the two (or more)
 * reports of one image are never adjacent, so a reader never compares them side by side.
 *
 * Greedy construction: each step draws a case at random among those with reports left that
 * differ from the previous one, except that a case holding over half of what remains must
 * go at once (leaving one case's reports to the end is the only way to get stuck). The same
 * reports in the same order with the same seed give the same order.
 */
export function orderReadingItems(reports: readonly AssignableReport[], seed: number): string[] {
  const rng = createRng(seed);
  const byCase = new Map<string, string[]>();
  for (const r of rng.shuffle(reports)) {
    const list = byCase.get(r.caseId) ?? [];
    list.push(r.reportId);
    byCase.set(r.caseId, list);
  }
  const total = reports.length;
  const maxPerCase = Math.max(0, ...[...byCase.values()].map((l) => l.length));
  if (maxPerCase > Math.ceil(total / 2)) {
    throw new Error("Cannot keep one image's reports apart: one case holds over half the items");
  }

  const order: string[] = [];
  let previousCase: string | undefined;
  while (order.length < total) {
    const remaining = total - order.length;
    const candidates = [...byCase.entries()].filter(
      ([caseId, list]) => list.length > 0 && caseId !== previousCase,
    );
    // A case holding over half of what is left must go now or it can no longer be spread out.
    const forced = candidates.find(([, list]) => list.length > (remaining - 1) / 2 + 0.5);
    const [caseId, list] = forced ?? rng.pick(candidates);
    order.push(list.pop() as string);
    previousCase = caseId;
  }
  return order;
}
