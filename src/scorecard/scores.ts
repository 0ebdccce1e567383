/**
 * The article's scoring method, recomputed from the digitized criteria:
 *
 * - category score = plain mean of the category's criteria, NA left out (no rescaling);
 * - overall score = mean of the three category scores;
 * - tier = `tiers.ts`'s rule on the overall score; rank = 1 + number of frameworks scoring higher.
 *
 * Every recomputed category and overall score is shown beside the published one (read off the
 * article's charts) with the difference and whether it is within the reading uncertainty.
 * `overrides` replace criterion values (e.g. a refreshed `onnx_support`), and the result then carries
 * each framework's baseline (same view, no overrides) so rank and tier changes can be shown.
 */
import { relative } from 'node:path';
import { InputError } from '../errors.js';
import { packageRoot } from '../util/paths.js';
import { loadScorecardData, type ScorecardData } from './data.js';
import {
  CATEGORIES,
  CRITERIA,
  CRITERIA_BY_CATEGORY,
  type ArticleInfo,
  type Category,
  type Criterion,
  type PublishedScores,
  isCriterion,
} from './model.js';
import { deriveTierRule, tierFor, type Tier, type TierRule } from './tiers.js';
import { PLATFORM_LABEL_SWAP, publishedForView, type LabelCorrection, type ScoreView } from './views.js';

/** Replacement criterion values per framework id; null sets a criterion to NA. */
export type ScoreOverrides = Record<string, Partial<Record<Criterion, number | null>>>;

export interface ComputeScorecardOptions {
  /** Default `as-published`. */
  view?: ScoreView;
  overrides?: ScoreOverrides;
  /** The data to use; default: the bundled files (`loadScorecardData()`). */
  data?: ScorecardData;
}

/** A recomputed score beside the published one. */
export interface ScoreComparison {
  /** Recomputed; null when every criterion of the category is NA. */
  score: number | null;
  /** Read off the article's chart. */
  published: number;
  /** Reading uncertainty of the published value. */
  uncertainty: number;
  /** score - published. */
  difference: number | null;
  /** |difference| <= uncertainty. */
  withinUncertainty: boolean | null;
}

export interface CategoryScore extends ScoreComparison {
  /** Criteria that entered the mean. */
  counted: number;
  /** Criteria left out as NA. */
  na: Criterion[];
}

export interface CriterionScore {
  value: number | null;
  uncertainty: number | null;
  /** Present when an override replaced the view's value. */
  overridden?: { from: number | null };
}

export interface FrameworkScore {
  id: string;
  name: string;
  /** 1 + number of frameworks with a higher recomputed overall; null without an overall. */
  rank: number | null;
  tier: Tier | null;
  article: {
    /** The tier the article draws. */
    tier: Tier | null;
    /** Rank by the article's published overall. */
    rank: number;
  };
  criteria: Record<Criterion, CriterionScore>;
  categories: Record<Category, CategoryScore>;
  overall: ScoreComparison;
  /** Same view without overrides; present only when overrides were given. */
  baseline?: {
    categories: Record<Category, number | null>;
    overall: number | null;
    rank: number | null;
    tier: Tier | null;
  };
}

export interface ScorecardSource {
  article: ArticleInfo;
  digitized: {
    /** Path of the digitized CSV, relative to the package root. */
    file: string;
    method: string;
  };
  /** Largest reading uncertainty per kind of published value (score points, 0-100 scale). */
  uncertainty: {
    criteria: number;
    categories: Record<Category, number>;
    overall: number;
    note: string;
  };
}

export interface Scorecard {
  view: ScoreView;
  method: string;
  source: ScorecardSource;
  /** The label correction; `applied` is true in the corrected view. */
  correction: LabelCorrection & { applied: boolean };
  tierRule: TierRule;
  /** Overrides that were applied, in the order given. */
  overrides: { framework: string; criterion: Criterion; from: number | null; to: number | null }[];
  /** In rank order (ties by name; frameworks without an overall last). */
  frameworks: FrameworkScore[];
}

export const METHOD_STATEMENT =
  "Category score = plain mean of the category's criteria, NA (data not available) left out; overall = mean " +
  'of the three category scores; as the article describes it and as the digitized numbers confirm.';

export function mean(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  return present.reduce((s, v) => s + v, 0) / present.length;
}

const EPS = 1e-9;

function compare(score: number | null, published: number, uncertainty: number): ScoreComparison {
  const difference = score === null ? null : score - published;
  return {
    score,
    published,
    uncertainty,
    difference,
    withinUncertainty: difference === null ? null : Math.abs(difference) <= uncertainty + EPS,
  };
}

function ranks(scores: Map<string, number | null>): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const [id, s] of scores) {
    out.set(id, s === null ? null : 1 + [...scores.values()].filter((o) => o !== null && o > s + EPS).length);
  }
  return out;
}

function checkOverrides(overrides: ScoreOverrides, published: Record<string, PublishedScores>): ScoreOverrides {
  for (const [id, crit] of Object.entries(overrides)) {
    if (!published[id])
      throw new InputError(`override for unknown framework '${id}' (known: ${Object.keys(published).join(', ')})`);
    for (const [k, v] of Object.entries(crit ?? {})) {
      if (v === undefined) continue;
      if (!isCriterion(k))
        throw new InputError(`override for ${id}: unknown criterion '${k}' (known: ${CRITERIA.join(', ')})`);
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100)) {
        throw new InputError(`override for ${id}.${k}: ${String(v)} is not a score between 0 and 100 (or null for NA)`);
      }
    }
  }
  return overrides;
}

interface Core {
  criteria: Record<Criterion, CriterionScore>;
  categories: Record<Category, number | null>;
  overall: number | null;
}

function computeCore(p: PublishedScores, overrides: Partial<Record<Criterion, number | null>> | undefined): Core {
  const criteria = {} as Record<Criterion, CriterionScore>;
  for (const k of CRITERIA) {
    const r = p.criteria[k];
    const to = overrides?.[k];
    if (to !== undefined) {
      criteria[k] = { value: to, uncertainty: null, overridden: { from: r.value } };
    } else {
      criteria[k] = { value: r.value, uncertainty: r.uncertainty };
    }
  }
  const categories = {} as Record<Category, number | null>;
  for (const c of CATEGORIES) categories[c] = mean(CRITERIA_BY_CATEGORY[c].map((k) => criteria[k].value));
  const cats = CATEGORIES.map((c) => categories[c]);
  const overall = cats.some((v) => v === null) ? null : mean(cats);
  return { criteria, categories, overall };
}

function maxUncertainty(values: Array<number | null>): number {
  return values.reduce<number>((m, v) => (v !== null && v > m ? v : m), 0);
}

function describeSource(data: ScorecardData): ScorecardSource {
  const all = Object.values(data.published);
  const categories = {} as Record<Category, number>;
  for (const c of CATEGORIES) categories[c] = maxUncertainty(all.map((p) => p.categories[c].uncertainty));
  const criteria = maxUncertainty(all.flatMap((p) => CRITERIA.map((k) => p.criteria[k].uncertainty)));
  const overall = maxUncertainty(all.map((p) => p.overall.uncertainty));
  let file = data.scoresFile;
  try {
    file = relative(packageRoot(), data.scoresFile) || data.scoresFile;
  } catch {
    /* keep the absolute path */
  }
  return {
    article: data.frameworks.article,
    digitized: {
      file,
      method: "values read off the article's chart images by pixel measurement; the article publishes no table",
    },
    uncertainty: {
      criteria,
      categories,
      overall,
      note:
        `Criterion bars are whole numbers read to ±${criteria.toFixed(1)}; category and overall scores come from logo positions ` +
        `(±${Math.min(...Object.values(categories)).toFixed(1)} to ±${Math.max(...Object.values(categories)).toFixed(1)} for categories, ±${overall.toFixed(1)} overall), ` +
        'so a recomputed score within that distance of the published one agrees with it.',
    },
  };
}

/** Recompute the article's scorecard under a view, optionally with criterion overrides. */
export function computeScorecard(options: ComputeScorecardOptions = {}): Scorecard {
  const view = options.view ?? 'as-published';
  const data = options.data ?? loadScorecardData();
  const published = publishedForView(data.published, view);
  const overrides = checkOverrides(options.overrides ?? {}, published);
  const hasOverrides = Object.values(overrides).some((o) => o && Object.values(o).some((v) => v !== undefined));
  const infos = data.frameworks.frameworks;

  const tierRule = deriveTierRule(
    infos.map((f) => ({
      name: f.name,
      articleTier: f.articleTier,
      publishedOverall: published[f.id]!.overall.value!,
    })),
  );

  const cores = new Map(infos.map((f) => [f.id, computeCore(published[f.id]!, overrides[f.id])]));
  const rankOf = ranks(new Map(infos.map((f) => [f.id, cores.get(f.id)!.overall])));
  const articleRankOf = ranks(new Map(infos.map((f) => [f.id, published[f.id]!.overall.value])));
  const baselines = hasOverrides
    ? new Map(infos.map((f) => [f.id, computeCore(published[f.id]!, undefined)]))
    : undefined;
  const baselineRankOf = baselines ? ranks(new Map(infos.map((f) => [f.id, baselines.get(f.id)!.overall]))) : undefined;

  const frameworks: FrameworkScore[] = infos.map((f) => {
    const p = published[f.id]!;
    const core = cores.get(f.id)!;
    const categories = {} as Record<Category, CategoryScore>;
    for (const c of CATEGORIES) {
      const pub = p.categories[c];
      const keys = CRITERIA_BY_CATEGORY[c] as readonly Criterion[];
      categories[c] = {
        ...compare(core.categories[c], pub.value!, pub.uncertainty!),
        counted: keys.filter((k) => core.criteria[k].value !== null).length,
        na: keys.filter((k) => core.criteria[k].value === null),
      };
    }
    const score: FrameworkScore = {
      id: f.id,
      name: f.name,
      rank: rankOf.get(f.id) ?? null,
      tier: tierFor(tierRule, core.overall),
      article: { tier: f.articleTier, rank: articleRankOf.get(f.id)! },
      criteria: core.criteria,
      categories,
      overall: compare(core.overall, p.overall.value!, p.overall.uncertainty!),
    };
    if (baselines && baselineRankOf) {
      const b = baselines.get(f.id)!;
      score.baseline = {
        categories: b.categories,
        overall: b.overall,
        rank: baselineRankOf.get(f.id) ?? null,
        tier: tierFor(tierRule, b.overall),
      };
    }
    return score;
  });
  frameworks.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.name.localeCompare(b.name));

  const applied: Scorecard['overrides'] = [];
  for (const [id, crit] of Object.entries(overrides)) {
    for (const [k, v] of Object.entries(crit ?? {})) {
      if (v === undefined) continue;
      applied.push({
        framework: id,
        criterion: k as Criterion,
        from: published[id]!.criteria[k as Criterion].value,
        to: v ?? null,
      });
    }
  }

  return {
    view,
    method: METHOD_STATEMENT,
    source: describeSource(data),
    correction: { ...PLATFORM_LABEL_SWAP, applied: view === 'corrected' },
    tierRule,
    overrides: applied,
    frameworks,
  };
}
