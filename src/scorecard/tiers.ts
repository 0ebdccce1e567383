/**
 * Tiers as a rule on the overall score, so recomputed or refreshed scores can move between tiers.
 *
 * The article draws three tiers around clusters of logos in its overall chart (Tier 1 MXNet, PyTorch,
 * TensorFlow; Tier 2 Caffe2, CNTK, Chainer; Tier 3 Caffe, PaddlePaddle, BigDL, Theano; Torch, DL4J and
 * Neon below all tiers) but states no thresholds. The rule: the lower boundary of tier k is the
 * midpoint of the gap, in the article's published overall scores, between the lowest framework the
 * article puts in tier k and the highest framework it puts below tier k. A score at or above a
 * tier's boundary (and below the next one up) is in that tier; below the Tier 3 boundary it is in
 * none. With the published numbers this gives 80.05 (83.9 TensorFlow / 76.2 Caffe2), 65.6 (72.1
 * Chainer / 59.1 Caffe) and 52.65 (55.2 Theano / 50.1 Torch).
 */
import { InputError } from '../errors.js';

export type Tier = 1 | 2 | 3;

export interface TierBoundary {
  tier: Tier;
  /** Lowest overall score in this tier. */
  minOverall: number;
  /** The two published frameworks whose gap the boundary splits: [lowest in tier, highest below]. */
  between: [{ name: string; overall: number }, { name: string; overall: number }];
}

export interface TierRule {
  /** Highest tier first. */
  boundaries: TierBoundary[];
  statement: string;
}

export interface TierMember {
  name: string;
  /** The tier the article draws (null: below all tiers). */
  articleTier: Tier | null;
  /** The article's published overall score. */
  publishedOverall: number;
}

export const TIER_RULE_STATEMENT =
  "Each tier's lower boundary is the midpoint of the gap in the article's published overall scores between " +
  'the lowest framework the article puts in that tier and the highest framework it puts below it; a score ' +
  'at or above a boundary (and below the next one up) is in that tier, a score below the Tier 3 boundary ' +
  'is in no tier. Boundaries are fixed by the published chart and applied unchanged to recomputed and ' +
  'refreshed scores.';

export function deriveTierRule(members: TierMember[]): TierRule {
  const rank = (t: Tier | null): number => t ?? 4;
  const boundaries: TierBoundary[] = [];
  for (const tier of [1, 2, 3] as const) {
    const inTier = members.filter((m) => m.articleTier === tier);
    const below = members.filter((m) => rank(m.articleTier) > tier);
    if (inTier.length === 0 || below.length === 0)
      throw new InputError(`cannot derive tier ${tier}: the article's tiers need members in and below it`);
    const lowest = inTier.reduce((a, b) => (b.publishedOverall < a.publishedOverall ? b : a));
    const highestBelow = below.reduce((a, b) => (b.publishedOverall > a.publishedOverall ? b : a));
    if (!(lowest.publishedOverall > highestBelow.publishedOverall)) {
      throw new InputError(
        `cannot derive tier ${tier}: ${lowest.name} (${lowest.publishedOverall}) is not above ${highestBelow.name} (${highestBelow.publishedOverall})`,
      );
    }
    boundaries.push({
      tier,
      minOverall: (lowest.publishedOverall + highestBelow.publishedOverall) / 2,
      between: [
        { name: lowest.name, overall: lowest.publishedOverall },
        { name: highestBelow.name, overall: highestBelow.publishedOverall },
      ],
    });
  }
  return { boundaries, statement: TIER_RULE_STATEMENT };
}

/** The tier of an overall score under a rule; null: below all tiers (or no score). */
export function tierFor(rule: TierRule, overall: number | null): Tier | null {
  if (overall === null || !Number.isFinite(overall)) return null;
  for (const b of rule.boundaries) if (overall >= b.minOverall) return b.tier;
  return null;
}
