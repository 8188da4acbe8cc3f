import { describe, expect, it } from "vitest";
import { auditPolicySchema } from "./schema";
import { breaches, clusteredRate, computeTrend, periodStart, type AuditRating } from "./trends";

const rating = (
  caseId: string,
  success: boolean,
  receivedAt: Date,
  modelVersion = "1",
): AuditRating => ({
  caseId,
  receivedAt,
  modelVersion,
  success,
  activeMs: null,
});

describe("audit trends", () => {
  it("starts weeks on Monday and months on the 1st, in UTC", () => {
    // 29 November 2026 is a Sunday: its week began on Monday the 23rd.
    const sunday = new Date("2026-11-29T23:30:00Z");
    expect(periodStart(sunday, "week").toISOString()).toBe("2026-11-23T00:00:00.000Z");
    expect(periodStart(new Date("2026-11-23T00:00:00Z"), "week").toISOString()).toBe(
      "2026-11-23T00:00:00.000Z",
    );
    expect(periodStart(sunday, "month").toISOString()).toBe("2026-11-01T00:00:00.000Z");
  });

  it("treats two reviewers of one case as one case's worth of evidence", () => {
    const at = new Date("2026-11-24T00:00:00Z");
    // Two cases, each rated twice in agreement: one accepted, one rejected. By hand: rate 1/2;
    // sum over cases of (y - r n)^2 = 1 + 1 = 2; variance = m/(m-1) * 2 / n^2 = 2 * 2 / 16 =
    // 0.25, so SE 0.5, against the binomial 0.25 that four independent ratings would give.
    const clustered = clusteredRate([
      rating("a", true, at),
      rating("a", true, at),
      rating("b", false, at),
      rating("b", false, at),
    ]);
    expect(clustered.rate).toBe(0.5);
    expect(clustered.se).toBeCloseTo(0.5, 12);
    // Wilson at effective size 1 (binomial variance / clustered variance * n = 0.0625/0.25*4):
    // centre 0.5, half-width 1.96 * sqrt(0.25 + 1.96^2/4) / (1 + 1.96^2) = 0.44539.
    expect(clustered.lower).toBeCloseTo(0.5 - 0.44539, 4);
    expect(clustered.upper).toBeCloseTo(0.5 + 0.44539, 4);
    expect(clusteredRate([])).toMatchObject({ ratings: 0, rate: null, lower: null });
  });

  it("judges periods against p-chart limits set by the baseline", () => {
    const policy = auditPolicySchema.parse({
      alert: { rule: "pchart", period: "week", minRatings: 10, baselinePeriods: 2, sigma: 3 },
    });
    const weeks = ["2026-11-02", "2026-11-09", "2026-11-16"].map((d) => new Date(`${d}T12:00:00Z`));
    const ratings: AuditRating[] = [];
    // Two baseline weeks at 8/10, then a week at 2/10; one rating per case.
    [8, 8, 2].forEach((successes, w) => {
      for (let i = 0; i < 10; i++) ratings.push(rating(`w${w}-${i}`, i < successes, weeks[w]!));
    });
    const trend = computeTrend(ratings, policy);
    expect(trend.centre).toBeCloseTo(0.8, 12);
    // By hand: baseline SE^2 = (20/19) * (16 * 0.2^2 + 4 * 0.8^2) / 20^2 = 0.0084211; binomial
    // 0.8 * 0.2 / 20 = 0.008; design effect 1.05263. Lower limit of a 10-rating week:
    // 0.8 - 3 * sqrt(1.05263 * 0.16 / 10) = 0.41066.
    expect(trend.periods[2]!.lowerLimit).toBeCloseTo(0.41066, 4);
    expect(trend.periods.map((p) => p.breached)).toEqual([false, false, true]);
    expect(breaches(trend.periods).map((run) => run.length)).toEqual([1]);
  });

  it("ends a breach at a period back in control, so a later drop is a new breach", () => {
    const policy = auditPolicySchema.parse({ alert: { threshold: 0.5, minRatings: 2 } });
    const weeks = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"];
    // Rates per week: 0, 0, too few ratings to judge, 1, 0.
    const plan = [[false, false], [false, false], [false], [true, true], [false, false]];
    const ratings = plan.flatMap((week, w) =>
      week.map((ok, i) => rating(`w${w}-${i}`, ok, new Date(`${weeks[w]}T08:00:00Z`))),
    );
    const trend = computeTrend(ratings, policy);
    expect(trend.periods.map((p) => p.judged)).toEqual([true, true, false, true, true]);
    expect(
      breaches(trend.periods).map((run) => run.map((p) => p.start.toISOString().slice(0, 10))),
    ).toEqual([["2026-11-02", "2026-11-09"], ["2026-11-30"]]);
  });
});
