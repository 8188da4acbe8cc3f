export * from "./types";
export * from "./wilson";
export {
  binomialHalfCdf,
  chiSquareSurvival,
  logChoose,
  logGamma,
  regularizedGammaP,
  regularizedGammaQ,
} from "./math";
export * from "./bootstrap";
export * from "./mrmc";
export * from "./paired";
export * from "./agreement";
export * from "./cohen";
export * from "./groups";
