import { assertBinary, type BinaryCell } from "./types";

interface Keyed {
  reader: string;
  caseId: string;
}

/**
 * Readers and cases of one or more cell lists, each sorted (by UTF-16 code units) so that the
 * same data in any input order gives the same indices and therefore the same bootstrap draws.
 */
export interface CrossedLayout {
  readers: string[];
  cases: string[];
  readerIndex: Map<string, number>;
  caseIndex: Map<string, number>;
}

export function crossedLayout(...lists: readonly (readonly Keyed[])[]): CrossedLayout {
  const readerSet = new Set<string>();
  const caseSet = new Set<string>();
  for (const list of lists) {
    for (const cell of list) {
      readerSet.add(cell.reader);
      caseSet.add(cell.caseId);
    }
  }
  const readers = [...readerSet].sort();
  const cases = [...caseSet].sort();
  return {
    readers,
    cases,
    readerIndex: new Map(readers.map((r, i) => [r, i])),
    caseIndex: new Map(cases.map((c, i) => [c, i])),
  };
}

export function cellIndex(layout: CrossedLayout, cell: Keyed): number {
  const r = layout.readerIndex.get(cell.reader);
  const c = layout.caseIndex.get(cell.caseId);
  if (r === undefined || c === undefined) {
    throw new Error(`Cell (${cell.reader}, ${cell.caseId}) is not in the layout`);
  }
  return r * layout.cases.length + c;
}

export function duplicateCell(cell: Keyed): RangeError {
  return new RangeError(
    `Reader ${cell.reader} has more than one rating of case ${cell.caseId} in one source`,
  );
}

/**
 * Reader-major matrix of binary cells: -1 where the reader did not rate the case. Two ratings
 * of one cell throw: the design has one rating per (reader, case, source), and silently keeping
 * either would change the result.
 */
export function binaryMatrix(cells: readonly BinaryCell[], layout: CrossedLayout): Int8Array {
  const matrix = new Int8Array(layout.readers.length * layout.cases.length).fill(-1);
  for (const cell of cells) {
    assertBinary(cell.value);
    const at = cellIndex(layout, cell);
    if (matrix[at] !== -1) throw duplicateCell(cell);
    matrix[at] = cell.value;
  }
  return matrix;
}
