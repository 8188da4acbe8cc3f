/** The four-level acceptability scale of the reference study (protocol.md), with its anchors. */
export const RATING_SCALE = [
  {
    level: "A",
    key: "1",
    label: "Acceptable without any revision",
    anchor: "Acceptable as written.",
  },
  {
    level: "B",
    key: "2",
    label: "Acceptable with minor revision",
    anchor:
      "All referable abnormalities are listed; small fixes in shape, size or location are needed.",
  },
  {
    level: "C",
    key: "3",
    label: "Acceptable with major revision",
    anchor: "Referable abnormalities are mentioned but only partly described.",
  },
  {
    level: "D",
    key: "4",
    label: "Unacceptable",
    anchor: "Misses referable abnormalities, with potentially serious clinical consequences.",
  },
] as const;

export type RatingLevelValue = (typeof RATING_SCALE)[number]["level"];
