/**
 * The two views of the published numbers. `as-published` takes the digitized charts as labelled;
 * `corrected` undoes the source's one labelling error: the two Platform charts (criteria and
 * category) carry the Chainer and Theano labels the wrong way round.
 */
import { InputError } from '../errors.js';
import { CRITERIA_BY_CATEGORY, type Category, type PublishedScores } from './model.js';

export const SCORE_VIEWS = ['as-published', 'corrected'] as const;
export type ScoreView = (typeof SCORE_VIEWS)[number];

export function parseView(value: string): ScoreView {
  if ((SCORE_VIEWS as readonly string[]).includes(value)) return value as ScoreView;
  throw new InputError(`unknown view '${value}' (choose from ${SCORE_VIEWS.join(', ')})`);
}

export interface LabelCorrection {
  /** The two framework ids whose values trade places. */
  swap: [string, string];
  category: Category;
  /** Which published readings trade places: the criteria chart and the category chart. */
  charts: string[];
  why: string;
}

export const PLATFORM_LABEL_SWAP: LabelCorrection = {
  swap: ['chainer', 'theano'],
  category: 'platform',
  charts: ['platform_criteria_white.svg.png', 'platform_white.svg.png'],
  why:
    "The article's Platform charts label Chainer's and Theano's bars the wrong way round. As labelled, " +
    "Chainer's published overall (72.1) sits about 5 points above the mean of its category scores and " +
    "Theano's (55.2) about 5 below, while 11 of 13 frameworks agree within 0.6; swapping the two " +
    "frameworks' Platform criteria (and Platform category scores) reproduces both overall values " +
    '(72.0 and 54.9) and agrees with the radar charts. The swapped values also fit the frameworks: ' +
    'the bars labelled "Theano" (scalability 50, OS 33, ONNX 100) match Chainer (ChainerMN, ' +
    'onnx-chainer) and those labelled "Chainer" (scalability 10, OS 100, ONNX 0) match Theano.',
};

/** The published scores under a view (a copy; the input is not changed). */
export function publishedForView(
  published: Record<string, PublishedScores>,
  view: ScoreView,
): Record<string, PublishedScores> {
  const out: Record<string, PublishedScores> = {};
  for (const [id, p] of Object.entries(published)) {
    out[id] = { name: p.name, criteria: { ...p.criteria }, categories: { ...p.categories }, overall: p.overall };
  }
  if (view === 'as-published') return out;
  const [a, b] = PLATFORM_LABEL_SWAP.swap;
  const pa = out[a];
  const pb = out[b];
  if (!pa || !pb) throw new InputError(`the corrected view needs scores for ${a} and ${b}`);
  const category = PLATFORM_LABEL_SWAP.category;
  for (const k of CRITERIA_BY_CATEGORY[category]) {
    const t = pa.criteria[k];
    pa.criteria[k] = pb.criteria[k];
    pb.criteria[k] = t;
  }
  const t = pa.categories[category];
  pa.categories[category] = pb.categories[category];
  pb.categories[category] = t;
  return out;
}
