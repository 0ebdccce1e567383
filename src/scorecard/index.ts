/** The article's scorecard, recomputed: data, method, views, tiers and formats. */
export * from './model.js';
export {
  dataDir,
  loadFrameworks,
  loadRegistry,
  loadScorecardData,
  parseDigitizedCsv,
  parseFrameworks,
  parseRegistry,
  isClaimed,
  type ScorecardData,
} from './data.js';
export {
  computeScorecard,
  mean,
  METHOD_STATEMENT,
  type CategoryScore,
  type ComputeScorecardOptions,
  type CriterionScore,
  type FrameworkScore,
  type ScoreComparison,
  type Scorecard,
  type ScoreOverrides,
  type ScorecardSource,
} from './scores.js';
export {
  deriveTierRule,
  tierFor,
  TIER_RULE_STATEMENT,
  type Tier,
  type TierBoundary,
  type TierMember,
  type TierRule,
} from './tiers.js';
export {
  PLATFORM_LABEL_SWAP,
  SCORE_VIEWS,
  parseView,
  publishedForView,
  type LabelCorrection,
  type ScoreView,
} from './views.js';
