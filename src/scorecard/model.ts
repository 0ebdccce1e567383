import type { FingerprintRule } from '../onnx/fingerprint.js';

/**
 * The shape of the article's scorecard: three categories, twelve criteria, thirteen frameworks.
 * Names follow the digitized CSV (`data/scores-digitized.csv`).
 */

export const CATEGORIES = ['support_community', 'api_internals', 'platform'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  support_community: 'Support & Community',
  api_internals: 'API & Internals',
  platform: 'Platform',
};

/** Criteria per category, in the article's chart order. */
export const CRITERIA_BY_CATEGORY = {
  support_community: ['sponsor', 'activity', 'ecosystem', 'documentation'],
  api_internals: ['symbolic_dynamic_autograd', 'numerics', 'ootb_nn_ops'],
  platform: ['scalability', 'languages', 'os_support', 'aws_support', 'onnx_support'],
} as const satisfies Record<Category, readonly string[]>;

export type Criterion = (typeof CRITERIA_BY_CATEGORY)[Category][number];

export const CRITERIA: readonly Criterion[] = CATEGORIES.flatMap((c) => CRITERIA_BY_CATEGORY[c]);

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

export function isCriterion(value: string): value is Criterion {
  return (CRITERIA as readonly string[]).includes(value);
}

export function categoryOf(criterion: Criterion): Category {
  for (const c of CATEGORIES) if ((CRITERIA_BY_CATEGORY[c] as readonly string[]).includes(criterion)) return c;
  throw new Error(`unreachable: criterion ${criterion} has no category`);
}

/** A value read off a chart: `value` null is the article's "NA" (data not available). */
export interface Reading {
  value: number | null;
  /** Reading uncertainty (same units as value); null for NA. */
  uncertainty: number | null;
  /** Chart image the value was read from. */
  sourceImage: string;
}

/** One framework's published numbers, as the CSV holds them (values as labelled in the source). */
export interface PublishedScores {
  /** The CSV's framework name, e.g. `TensorFlow`. */
  name: string;
  criteria: Record<Criterion, Reading>;
  /** Category scores read from the category charts. */
  categories: Record<Category, Reading>;
  /** Overall score read from the overall chart. */
  overall: Reading;
}

export interface ArticleInfo {
  title: string;
  author: string;
  publisher: string;
  /** ISO date. */
  published: string;
  url: string;
  /** The post's source, pinned to a commit. */
  sourceFile: string;
}

export interface FrameworkInfo {
  /** Lower-case id used by onnx-workbench (`tensorflow`, `dl4j`...). */
  id: string;
  /** The name as in the digitized CSV. */
  name: string;
  articleName: string;
  articleLink: string;
  primaryAssociation: string;
  firstPublicRelease: { year: number; atLeast: boolean };
  /** The article's comment. */
  comment: string;
  /** Tier the article's overall chart puts the framework in; null: below all tiers. */
  articleTier: 1 | 2 | 3 | null;
}

export interface FrameworksFile {
  schemaVersion: 1;
  article: ArticleInfo;
  frameworks: FrameworkInfo[];
}

export const SUPPORT_LEVELS = ['built-in', 'community', 'none', 'unknown'] as const;
export type SupportLevel = (typeof SUPPORT_LEVELS)[number];

export const FRAMEWORK_STATUSES = ['active', 'maintenance', 'archived', 'unknown'] as const;
export type FrameworkStatus = (typeof FRAMEWORK_STATUSES)[number];

/** `"unknown"`: nobody could cite it; null: not applicable. */
export type Claim = string | null;

export interface OnnxSide {
  level: SupportLevel;
  mechanism: Claim;
  since: Claim;
  maintainer: Claim;
  note?: string;
  /** URLs per claim (`level`, `mechanism`, `since`, `maintainer`, `producerNames`, or `note`). */
  sources?: Record<string, string[]>;
}

export interface OnnxExport extends OnnxSide {
  /** `producer_name` values its exports carry; `[]`: none (empty producer_name); null: not applicable. */
  producerNames: string[] | 'unknown' | null;
}

export interface RegistryEntry {
  id: string;
  export: OnnxExport;
  import: OnnxSide;
  status: {
    value: FrameworkStatus;
    since: Claim;
    note?: string;
    sources?: Record<string, string[]>;
  };
}

export interface RegistryFile {
  schemaVersion: 1;
  /** ISO date the claims were checked. */
  checked: string;
  frameworks: RegistryEntry[];
  /** Exporter fingerprints (what each exporter writes into its files), each with its sources. */
  fingerprints?: FingerprintRule[];
}
