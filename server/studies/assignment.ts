import { createRng, deriveSeed } from "../lib/rng";

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

/**
 * A reading order with a wider washout: at least `washout` other items between two reports
 * of one image. A washout of 1 is orderReadingItems itself. Greedy, with the case that needs
 * the most room placed first once room runs short, and a fresh seeded attempt (up to 50) when
 * it paints itself into a corner; the same inputs always give the same order.
 */
export function orderWithWashout(
  reports: readonly AssignableReport[],
  seed: number,
  washout: number,
): string[] {
  if (washout <= 1) return orderReadingItems(reports, seed);
  const total = reports.length;
  for (let attempt = 0; attempt < 50; attempt++) {
    const rng = createRng(deriveSeed(seed, `washout:${attempt}`));
    const byCase = new Map<string, string[]>();
    for (const r of rng.shuffle(reports))
      byCase.set(r.caseId, [...(byCase.get(r.caseId) ?? []), r.reportId]);
    const last = new Map<string, number>();
    const order: string[] = [];
    for (let pos = 0; pos < total; pos++) {
      const eligible = [...byCase.entries()].filter(
        ([caseId, list]) => list.length > 0 && (last.get(caseId) ?? -Infinity) < pos - washout,
      );
      if (eligible.length === 0) break;
      const room = total - pos;
      const need = (n: number) => (n - 1) * (washout + 1) + 1;
      const tight = eligible
        .filter(([, list]) => need(list.length) >= room)
        .sort((a, b) => b[1].length - a[1].length);
      const [caseId, list] = tight[0] ?? rng.pick(eligible);
      order.push(list.pop() as string);
      last.set(caseId, pos);
    }
    if (order.length === total) return order;
  }
  throw new Error(
    `Cannot keep one image's reports ${washout} items apart in a list of ${total} items; choose a smaller washout`,
  );
}

/**
 * A split design: each case goes to `perCase` readers (who read all of its reports), chosen
 * so that readers' loads differ by at most one case. Seeded: the same inputs, the same split.
 */
export function splitCases(
  caseIds: readonly string[],
  readerIds: readonly string[],
  perCase: number,
  seed: number,
): Map<string, Set<string>> {
  if (perCase > readerIds.length) {
    throw new Error(`Each case needs ${perCase} readers but the study has ${readerIds.length}`);
  }
  const rng = createRng(deriveSeed(seed, "split"));
  const assigned = new Map(readerIds.map((id) => [id, new Set<string>()]));
  for (const caseId of rng.shuffle([...caseIds].sort())) {
    // Least loaded first; a random key per case breaks ties without favouring anyone.
    const ranked = readerIds
      .map((id) => ({ id, load: assigned.get(id)!.size, tie: rng.next() }))
      .sort((a, b) => a.load - b.load || a.tie - b.tie);
    for (const { id } of ranked.slice(0, perCase)) assigned.get(id)!.add(caseId);
  }
  return assigned;
}

/**
 * Reading in sessions: the reports of each case are dealt, in a seeded random order, to
 * sessions 1, 2, ... (so which source comes first varies by case), and each session is a
 * seeded shuffle. Returns the reports in reading order with their session.
 */
export function orderInSessions(
  reports: readonly AssignableReport[],
  seed: number,
): { reportId: string; session: number }[] {
  const rng = createRng(deriveSeed(seed, "sessions"));
  const byCase = new Map<string, string[]>();
  for (const r of [...reports].sort((a, b) => a.reportId.localeCompare(b.reportId))) {
    byCase.set(r.caseId, [...(byCase.get(r.caseId) ?? []), r.reportId]);
  }
  const sessions: string[][] = [];
  for (const caseId of [...byCase.keys()].sort()) {
    rng.shuffle(byCase.get(caseId)!).forEach((reportId, i) => {
      (sessions[i] ??= []).push(reportId);
    });
  }
  return sessions.flatMap((ids, i) =>
    rng.shuffle(ids).map((reportId) => ({ reportId, session: i + 1 })),
  );
}
