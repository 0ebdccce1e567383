import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError } from '../src/errors.js';
import {
  CATEGORIES,
  CRITERIA,
  CRITERIA_BY_CATEGORY,
  type Category,
  type FrameworksFile,
  type RegistryFile,
} from '../src/scorecard/model.js';
import {
  checkedRecordPath,
  dataDir,
  loadFrameworks,
  loadRegistry,
  loadScorecardData,
  parseDigitizedCsv,
  parseFrameworks,
  parseRegistry,
  type ScorecardData,
} from '../src/scorecard/data.js';
import { computeScorecard, mean, type FrameworkScore, type Scorecard } from '../src/scorecard/scores.js';
import { deriveTierRule, tierFor } from '../src/scorecard/tiers.js';
import { PLATFORM_LABEL_SWAP } from '../src/scorecard/views.js';
import { formatScorecard } from '../src/format/scorecard.js';
import { parseCsv } from '../src/scorecard/csv.js';
import { schemasDigest } from '../src/scorecard/schemas.js';
import { writeCheckedRecord } from '../src/scorecard/checkData.js';
import { formatRegistryTable, registryRows } from '../src/format/frameworks.js';

/**
 * The article's published numbers (category charts and overall chart), as read off its charts:
 * [Support & Community, API & Internals, Platform, overall]. Platform values are as labelled in the
 * source (Chainer's and Theano's are the wrong way round there).
 */
const PUBLISHED: Record<string, [number, number, number, number]> = {
  TensorFlow: [96.8, 81.1, 73.1, 83.9],
  PyTorch: [93.1, 93.2, 75.0, 86.9],
  MXNet: [75.5, 93.8, 100.0, 89.8],
  CNTK: [77.1, 81.1, 65.1, 73.9],
  Caffe2: [75.9, 75.0, 76.2, 76.2],
  Chainer: [60.3, 96.8, 42.6, 72.1],
  Caffe: [47.0, 65.0, 64.7, 59.1],
  PaddlePaddle: [63.8, 67.9, 39.8, 57.0],
  BigDL: [45.6, 61.1, 62.2, 56.1],
  Theano: [49.2, 73.1, 58.1, 55.2],
  Torch: [34.6, 93.1, 21.0, 50.1],
  DL4J: [52.7, 61.0, 29.7, 48.0],
  Neon: [28.1, 69.0, 30.8, 43.1],
};

/** The article's overall chart: tiers drawn around the logos (null: below all tiers). */
const ARTICLE_TIERS: Record<string, 1 | 2 | 3 | null> = {
  MXNet: 1,
  PyTorch: 1,
  TensorFlow: 1,
  Caffe2: 2,
  CNTK: 2,
  Chainer: 2,
  Caffe: 3,
  PaddlePaddle: 3,
  BigDL: 3,
  Theano: 3,
  Torch: null,
  DL4J: null,
  Neon: null,
};

const IDS = [
  'tensorflow',
  'pytorch',
  'mxnet',
  'cntk',
  'caffe2',
  'chainer',
  'caffe',
  'paddlepaddle',
  'bigdl',
  'theano',
  'torch',
  'dl4j',
  'neon',
];
const CATEGORY_INDEX: Record<Category, 0 | 1 | 2> = { support_community: 0, api_internals: 1, platform: 2 };
/** Category charts: every recomputed category score agrees within 0.7 (plus float noise). */
const CATEGORY_TOLERANCE = 0.7 + 1e-9;
/** Overall: within the overall chart's reading uncertainty plus a small margin. */
const OVERALL_MARGIN = 0.1;
const SWAPPED = new Set(['Chainer', 'Theano']);

let data: ScorecardData;
let asPublished: Scorecard;
let corrected: Scorecard;
let tmp: string;

const byName = (card: Scorecard, name: string): FrameworkScore => {
  const f = card.frameworks.find((x) => x.name === name);
  if (!f) throw new Error(`${name} missing`);
  return f;
};
const byId = (card: Scorecard, id: string): FrameworkScore => {
  const f = card.frameworks.find((x) => x.id === id);
  if (!f) throw new Error(`${id} missing`);
  return f;
};

function inputError(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  const msg = (thrown as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg.length).toBeGreaterThan(10);
  return msg;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

beforeAll(() => {
  data = loadScorecardData();
  asPublished = computeScorecard({ view: 'as-published', data });
  corrected = computeScorecard({ view: 'corrected', data });
  tmp = mkdtempSync(join(tmpdir(), 'owb-scorecard-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('data files', () => {
  it('frameworks.json lists the 13 frameworks of the article with the CSV names and article tiers', () => {
    const fw = loadFrameworks();
    expect(fw.frameworks.map((f) => f.id).sort()).toEqual([...IDS].sort());
    expect(fw.frameworks.map((f) => f.name).sort()).toEqual(Object.keys(PUBLISHED).sort());
    for (const f of fw.frameworks) {
      expect(f.articleTier, f.name).toBe(ARTICLE_TIERS[f.name]);
      expect(f.primaryAssociation.length).toBeGreaterThan(2);
      expect(f.comment.length).toBeGreaterThan(2);
    }
    expect(fw.article.published).toBe('2018-08-14');
    expect(fw.article.url).toMatch(/^https?:\/\//);
  });

  it('the CSV is a byte-for-byte copy of the shared file, with its sha256 in the data README', () => {
    const csv = readFileSync(join(dataDir(), 'scores-digitized.csv'));
    const sha = createHash('sha256').update(csv).digest('hex');
    expect(readFileSync(join(dataDir(), 'README.md'), 'utf8')).toContain(sha);
    const shared = resolve(dataDir(), '../../../../shared/article/scores-digitized.csv');
    if (existsSync(shared)) expect(readFileSync(shared).equals(csv)).toBe(true);
  });

  it('the loaded published values are the article numbers', () => {
    for (const [name, nums] of Object.entries(PUBLISHED)) {
      const p = Object.values(data.published).find((x) => x.name === name)!;
      for (const c of CATEGORIES) expect(p.categories[c].value, `${name} ${c}`).toBe(nums[CATEGORY_INDEX[c]]);
      expect(p.overall.value).toBe(nums[3]);
      expect(p.overall.uncertainty).toBe(0.7);
    }
  });

  it('the three numerics slots the article could not determine are NA', () => {
    const na = Object.values(data.published)
      .filter((p) => p.criteria.numerics.value === null)
      .map((p) => p.name)
      .sort();
    expect(na).toEqual(['Caffe', 'Caffe2', 'PaddlePaddle']);
  });
});

describe('as-published recomputation', () => {
  it('reproduces every published category score within 0.7, for all 13 frameworks', () => {
    for (const [name, nums] of Object.entries(PUBLISHED)) {
      const f = byName(asPublished, name);
      for (const c of CATEGORIES) {
        const published = nums[CATEGORY_INDEX[c]];
        expect(f.categories[c].published).toBe(published);
        expect(Math.abs(f.categories[c].score! - published), `${name} ${c}`).toBeLessThanOrEqual(CATEGORY_TOLERANCE);
        expect(f.categories[c].difference).toBeCloseTo(f.categories[c].score! - published, 12);
      }
    }
  });

  it('reproduces the published overall within its reading uncertainty for the 11 frameworks not mislabelled', () => {
    for (const [name, nums] of Object.entries(PUBLISHED)) {
      if (SWAPPED.has(name)) continue;
      const f = byName(asPublished, name);
      expect(f.overall.published).toBe(nums[3]);
      expect(Math.abs(f.overall.score! - nums[3]), name).toBeLessThanOrEqual(f.overall.uncertainty + OVERALL_MARGIN);
      expect(f.overall.withinUncertainty, name).toBe(true);
    }
  });

  it('does NOT reproduce Chainer and Theano overall as labelled', () => {
    for (const name of SWAPPED) {
      const f = byName(asPublished, name);
      expect(Math.abs(f.overall.score! - PUBLISHED[name]![3]), name).toBeGreaterThan(
        f.overall.uncertainty + OVERALL_MARGIN,
      );
      expect(f.overall.withinUncertainty).toBe(false);
    }
  });

  it('overall is the mean of the three category scores, each the plain mean of its criteria', () => {
    for (const f of asPublished.frameworks) {
      for (const c of CATEGORIES) {
        const vals = CRITERIA_BY_CATEGORY[c].map((k) => f.criteria[k].value).filter((v): v is number => v !== null);
        expect(f.categories[c].score).toBeCloseTo(vals.reduce((s, v) => s + v, 0) / vals.length, 10);
      }
      expect(f.overall.score).toBeCloseTo(CATEGORIES.reduce((s, c) => s + f.categories[c].score!, 0) / 3, 10);
    }
  });
});

describe('corrected view', () => {
  it('reproduces Chainer and Theano overall within the reading uncertainty', () => {
    for (const name of SWAPPED) {
      const f = byName(corrected, name);
      expect(Math.abs(f.overall.score! - PUBLISHED[name]![3]), name).toBeLessThanOrEqual(
        f.overall.uncertainty + OVERALL_MARGIN,
      );
      expect(f.overall.withinUncertainty).toBe(true);
    }
  });

  it('swaps exactly the Platform criteria and Platform category scores of Chainer and Theano', () => {
    for (const f of corrected.frameworks) {
      const other = SWAPPED.has(f.name)
        ? byName(asPublished, f.name === 'Chainer' ? 'Theano' : 'Chainer')
        : byName(asPublished, f.name);
      const same = byName(asPublished, f.name);
      for (const k of CRITERIA) {
        const fromPlatform = (CRITERIA_BY_CATEGORY.platform as readonly string[]).includes(k);
        expect(f.criteria[k].value, `${f.name} ${k}`).toBe((fromPlatform ? other : same).criteria[k].value);
      }
      expect(f.categories.platform.published).toBe(other.categories.platform.published);
      expect(f.categories.support_community.published).toBe(same.categories.support_community.published);
      expect(f.overall.published).toBe(same.overall.published);
    }
  });

  it('keeps every category within 0.7 and every overall within its uncertainty for all 13', () => {
    for (const f of corrected.frameworks) {
      for (const c of CATEGORIES)
        expect(Math.abs(f.categories[c].difference!), `${f.name} ${c}`).toBeLessThanOrEqual(CATEGORY_TOLERANCE);
      expect(Math.abs(f.overall.difference!), f.name).toBeLessThanOrEqual(f.overall.uncertainty + OVERALL_MARGIN);
    }
  });

  it('states the correction and why; the as-published view states it is not applied', () => {
    expect(corrected.correction.applied).toBe(true);
    expect(asPublished.correction.applied).toBe(false);
    expect(corrected.correction.swap).toEqual(['chainer', 'theano']);
    expect(corrected.correction.why).toMatch(/Chainer/);
    expect(corrected.correction.why).toMatch(/Theano/);
    expect(corrected.correction.why.length).toBeGreaterThan(100);
  });

  it('both views state source and reading uncertainty', () => {
    for (const card of [asPublished, corrected]) {
      expect(card.source.article.url).toBe(data.frameworks.article.url);
      expect(card.source.digitized.file).toMatch(/scores-digitized\.csv$/);
      expect(card.source.uncertainty.overall).toBe(0.7);
      expect(card.source.uncertainty.criteria).toBe(0.1);
      expect(card.source.uncertainty.note).toMatch(/±/);
    }
  });
});

describe('NA handling', () => {
  it('mean leaves NA out and is null when everything is NA', () => {
    expect(mean([50, null, 100])).toBe(75);
    expect(mean([null, null])).toBeNull();
    expect(mean([])).toBeNull();
  });

  it('API & Internals of Caffe2, Caffe and PaddlePaddle averages the two known criteria', () => {
    for (const name of ['Caffe2', 'Caffe', 'PaddlePaddle']) {
      const f = byName(asPublished, name);
      const api = f.categories.api_internals;
      expect(api.na).toEqual(['numerics']);
      expect(api.counted).toBe(2);
      expect(api.score).toBeCloseTo(
        (f.criteria.symbolic_dynamic_autograd.value! + f.criteria.ootb_nn_ops.value!) / 2,
        12,
      );
      // not the mean with NA counted as 0
      expect(api.score).not.toBeCloseTo(
        (f.criteria.symbolic_dynamic_autograd.value! + f.criteria.ootb_nn_ops.value!) / 3,
        3,
      );
    }
  });

  it('an override to null makes a criterion NA; an all-NA category has no score, overall, rank or tier', () => {
    const tf = byId(asPublished, 'tensorflow');
    const one = computeScorecard({ data, overrides: { tensorflow: { numerics: null } } });
    const api = byId(one, 'tensorflow').categories.api_internals;
    expect(api.na).toEqual(['numerics']);
    expect(api.score).toBeCloseTo(
      (tf.criteria.symbolic_dynamic_autograd.value! + tf.criteria.ootb_nn_ops.value!) / 2,
      12,
    );

    const all = computeScorecard({
      data,
      overrides: { neon: { symbolic_dynamic_autograd: null, numerics: null, ootb_nn_ops: null } },
    });
    const neon = byId(all, 'neon');
    expect(neon.categories.api_internals.score).toBeNull();
    expect(neon.overall.score).toBeNull();
    expect(neon.rank).toBeNull();
    expect(neon.tier).toBeNull();
    expect(all.frameworks.at(-1)!.id).toBe('neon');
  });
});

describe('tiers', () => {
  it('derives the boundaries from the published overall scores of the article tiers', () => {
    const rule = asPublished.tierRule;
    expect(rule.boundaries.map((b) => b.tier)).toEqual([1, 2, 3]);
    // lowest in tier / highest below, from the article's published numbers
    expect(rule.boundaries[0]!.minOverall).toBeCloseTo((83.9 + 76.2) / 2, 10);
    expect(rule.boundaries[1]!.minOverall).toBeCloseTo((72.1 + 59.1) / 2, 10);
    expect(rule.boundaries[2]!.minOverall).toBeCloseTo((55.2 + 50.1) / 2, 10);
    expect(rule.statement).toMatch(/midpoint/);
  });

  it('reproduces the article tiers from the recomputed scores, in both views', () => {
    for (const card of [asPublished, corrected]) {
      for (const f of card.frameworks) {
        expect(f.tier, `${card.view} ${f.name}`).toBe(ARTICLE_TIERS[f.name]);
        expect(f.article.tier).toBe(ARTICLE_TIERS[f.name]);
      }
    }
  });

  it('places scores on a boundary in the tier and refuses tiers the published scores do not separate', () => {
    const rule = asPublished.tierRule;
    for (const b of rule.boundaries) {
      expect(tierFor(rule, b.minOverall)).toBe(b.tier);
      expect(tierFor(rule, b.minOverall - 1e-6)).not.toBe(b.tier);
    }
    expect(tierFor(rule, 0)).toBeNull();
    expect(tierFor(rule, null)).toBeNull();
    expect(() =>
      deriveTierRule([
        { name: 'a', articleTier: 1, publishedOverall: 70 },
        { name: 'b', articleTier: 2, publishedOverall: 75 },
        { name: 'c', articleTier: 3, publishedOverall: 50 },
        { name: 'd', articleTier: null, publishedOverall: 40 },
      ]),
    ).toThrow(InputError);
  });

  it('ranks are 1 + the number of frameworks with a higher overall, and frameworks come in rank order', () => {
    for (const card of [asPublished, corrected]) {
      for (const f of card.frameworks) {
        expect(f.rank).toBe(1 + card.frameworks.filter((o) => o.overall.score! > f.overall.score!).length);
      }
      const ranks = card.frameworks.map((f) => f.rank!);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
  });
});

describe('overrides', () => {
  it('a refreshed onnx_support changes Platform by Δ/5 and overall by Δ/15, with the baseline kept', () => {
    const base = byId(corrected, 'tensorflow');
    const before = base.criteria.onnx_support.value!;
    const after = 100;
    const card = computeScorecard({ view: 'corrected', data, overrides: { tensorflow: { onnx_support: after } } });
    const tf = byId(card, 'tensorflow');
    const counted = base.categories.platform.counted;
    expect(counted).toBe(5);
    expect(tf.criteria.onnx_support).toEqual({ value: after, uncertainty: null, overridden: { from: before } });
    expect(tf.categories.platform.score! - base.categories.platform.score!).toBeCloseTo((after - before) / counted, 10);
    expect(tf.overall.score! - base.overall.score!).toBeCloseTo((after - before) / counted / 3, 10);
    expect(tf.categories.support_community.score).toBe(base.categories.support_community.score);
    expect(tf.baseline).toEqual({
      categories: {
        support_community: base.categories.support_community.score,
        api_internals: base.categories.api_internals.score,
        platform: base.categories.platform.score,
      },
      overall: base.overall.score,
      rank: base.rank,
      tier: base.tier,
    });
    expect(card.overrides).toEqual([{ framework: 'tensorflow', criterion: 'onnx_support', from: before, to: after }]);
    // rank moves past every framework the new overall now beats
    const passed = corrected.frameworks.filter(
      (o) => o.id !== 'tensorflow' && o.overall.score! > base.overall.score! && o.overall.score! < tf.overall.score!,
    ).length;
    expect(tf.rank).toBe(base.rank! - passed);
    expect(tf.tier).toBe(tierFor(card.tierRule, tf.overall.score));
    // other frameworks keep their scores
    expect(byId(card, 'pytorch').overall.score).toBe(byId(corrected, 'pytorch').overall.score);
  });

  it('can move a framework into a tier', () => {
    const neon = byId(corrected, 'neon');
    expect(neon.tier).toBeNull();
    const card = computeScorecard({
      view: 'corrected',
      data,
      overrides: { neon: { scalability: 100, languages: 100, os_support: 100, aws_support: 100, onnx_support: 100 } },
    });
    const after = byId(card, 'neon');
    expect(after.categories.platform.score).toBe(100);
    expect(after.overall.score).toBeCloseTo(
      (neon.categories.support_community.score! + neon.categories.api_internals.score! + 100) / 3,
      10,
    );
    expect(after.tier).toBe(tierFor(card.tierRule, after.overall.score));
    expect(after.tier).not.toBeNull();
    expect(after.baseline!.tier).toBeNull();
    // the boundaries do not move with the scores
    expect(card.tierRule).toEqual(corrected.tierRule);
  });

  it('without overrides there is no baseline', () => {
    expect(asPublished.frameworks.every((f) => f.baseline === undefined)).toBe(true);
    expect(asPublished.overrides).toEqual([]);
  });

  it('rejects unknown frameworks, unknown criteria and out-of-range values', () => {
    expect(inputError(() => computeScorecard({ data, overrides: { keras: { onnx_support: 100 } } }))).toMatch(/keras/);
    expect(inputError(() => computeScorecard({ data, overrides: { pytorch: { onnx: 100 } as never } }))).toMatch(
      /onnx/,
    );
    expect(inputError(() => computeScorecard({ data, overrides: { pytorch: { onnx_support: 101 } } }))).toMatch(/101/);
    expect(inputError(() => computeScorecard({ data, overrides: { pytorch: { onnx_support: Number.NaN } } }))).toMatch(
      /NaN/,
    );
  });
});

describe('schema checks', () => {
  it('reject a broken framework list in one line', () => {
    const good = loadFrameworks();
    const noName = clone(good) as unknown as { frameworks: Array<Record<string, unknown>> };
    delete noName.frameworks[2]!.name;
    expect(inputError(() => parseFrameworks(noName, 'fw.json'))).toMatch(/fw\.json.*\/frameworks\/2.*name/);
    const badTier = clone(good) as unknown as { frameworks: Array<Record<string, unknown>> };
    badTier.frameworks[0]!.articleTier = 4;
    expect(inputError(() => parseFrameworks(badTier, 'fw.json'))).toMatch(/articleTier/);
    const dup = clone(good) as FrameworksFile;
    dup.frameworks[1]!.id = dup.frameworks[0]!.id;
    expect(inputError(() => parseFrameworks(dup, 'fw.json'))).toMatch(/twice/);
  });

  it('reject a broken registry: bad level, claim without source, none with a mechanism', () => {
    const good = loadRegistry();
    const badLevel = clone(good) as unknown as { frameworks: Array<{ export: Record<string, unknown> }> };
    badLevel.frameworks[0]!.export.level = 'native';
    expect(inputError(() => parseRegistry(badLevel, 'reg.json'))).toMatch(/reg\.json.*level/);

    const noSource = clone(good) as RegistryFile;
    const pt = noSource.frameworks.find((e) => e.id === 'pytorch')!;
    delete pt.export.sources!.since;
    expect(inputError(() => parseRegistry(noSource, 'reg.json'))).toMatch(/pytorch\.export.*since.*no source/);

    const noneWithMechanism = clone(good) as RegistryFile;
    const neon = noneWithMechanism.frameworks.find((e) => e.id === 'neon')!;
    neon.export.mechanism = 'neon.onnx.export';
    expect(inputError(() => parseRegistry(noneWithMechanism, 'reg.json'))).toMatch(/none/);

    const badUrl = clone(good) as RegistryFile;
    badUrl.frameworks[0]!.status.sources = { value: ['not a url'], since: ['also not'] };
    expect(inputError(() => parseRegistry(badUrl, 'reg.json'))).toMatch(/pattern/);

    const fw = loadFrameworks().frameworks;
    const missing = clone(good) as RegistryFile;
    missing.frameworks = missing.frameworks.filter((e) => e.id !== 'torch');
    expect(inputError(() => parseRegistry(missing, 'reg.json', fw))).toMatch(/torch/);
  });

  it('reject a broken scores CSV with the line number', () => {
    const fw = loadFrameworks().frameworks;
    const text = readFileSync(join(dataDir(), 'scores-digitized.csv'), 'utf8');
    const lines = text.split('\r\n');
    const withBad = [...lines];
    withBad[2] = withBad[2]!.replace(',90.0,', ',ninety,');
    expect(inputError(() => parseDigitizedCsv(withBad.join('\r\n'), fw, 'scores.csv'))).toMatch(
      /scores\.csv: line 3: .*value/,
    );
    const withoutRow = lines.filter((_, i) => i !== 5);
    expect(inputError(() => parseDigitizedCsv(withoutRow.join('\r\n'), fw, 'scores.csv'))).toMatch(/TensorFlow lacks/);
    const duplicated = [...lines.slice(0, 3), lines[2]!, ...lines.slice(3)];
    expect(inputError(() => parseDigitizedCsv(duplicated.join('\r\n'), fw, 'scores.csv'))).toMatch(/twice/);
    const outOfRange = [...lines];
    outOfRange[1] = outOfRange[1]!.replace(',100.0,', ',140.0,');
    expect(inputError(() => parseDigitizedCsv(outOfRange.join('\r\n'), fw, 'scores.csv'))).toMatch(/0-100/);
    expect(inputError(() => parseDigitizedCsv(lines.slice(1).join('\r\n'), fw, 'scores.csv'))).toMatch(/header/);
  });

  it('run when the data is loaded: a broken file in a data folder fails the load in one line', () => {
    for (const f of ['scores-digitized.csv', 'frameworks.json', 'onnx-registry.json'])
      copyFileSync(join(dataDir(), f), join(tmp, f));
    expect(loadRegistry(tmp).frameworks).toHaveLength(13);
    const reg = JSON.parse(readFileSync(join(tmp, 'onnx-registry.json'), 'utf8')) as RegistryFile;
    reg.frameworks[3]!.status.value = 'dead' as never;
    writeFileSync(join(tmp, 'onnx-registry.json'), JSON.stringify(reg));
    expect(inputError(() => loadRegistry(tmp))).toContain(join(tmp, 'onnx-registry.json'));
    writeFileSync(join(tmp, 'frameworks.json'), '{ not json');
    expect(inputError(() => loadScorecardData(tmp))).toMatch(/not valid JSON/);
  });
});

describe('bytes the build checked', () => {
  const sha = (f: string) =>
    createHash('sha256')
      .update(readFileSync(join(dataDir(), f)))
      .digest('hex');

  it('the build records the bundled framework list and registry as checked, with these schemas', () => {
    // `npm run build` runs dist/scorecard/checkData.js after tsc; without it every load compiles ajv.
    const record = JSON.parse(readFileSync(checkedRecordPath(), 'utf8')) as {
      schemas: string;
      sha256: Record<string, string[]>;
    };
    expect(record.schemas).toBe(schemasDigest());
    expect(record.sha256.frameworks).toEqual([sha('frameworks.json')]);
    expect(record.sha256.registry).toEqual([sha('onnx-registry.json')]);
  });

  it('the check fails on a broken bundled file (so the build does) and records nothing', () => {
    const dir = join(tmp, 'checked');
    rmSync(dir, { recursive: true, force: true });
    for (const f of ['frameworks.json', 'onnx-registry.json']) {
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(dataDir(), f), join(dir, f));
    }
    const out = join(dir, 'record.json');
    expect(writeCheckedRecord(dir, out).sha256.registry).toEqual([sha('onnx-registry.json')]);
    const reg = JSON.parse(readFileSync(join(dir, 'onnx-registry.json'), 'utf8')) as RegistryFile;
    reg.frameworks[0]!.export.level = 'native' as never;
    writeFileSync(join(dir, 'onnx-registry.json'), JSON.stringify(reg));
    rmSync(out);
    expect(inputError(() => writeCheckedRecord(dir, out))).toMatch(/onnx-registry\.json.*level/);
    expect(existsSync(out)).toBe(false);
  });

  it('attributing an exporter with the bundled registry loads no ajv (the built CLI path)', () => {
    const attribution = resolve('dist/scorecard/attribution.js');
    const script = `
      import { createRequire } from 'node:module';
      const { attributeSummary } = await import(${JSON.stringify(attribution)});
      const a = attributeSummary({ producerName: 'pytorch', producerVersion: '2.1', graphName: 'main_graph',
        docString: '', graphDocString: '', domain: '', metadata: {}, opsets: [{ domain: '', version: 17 }] });
      const ajv = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/ajv/'));
      console.log(JSON.stringify({ framework: a.framework, ajv: ajv.length }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ framework: 'pytorch', ajv: 0 });
  });
});

describe('ONNX registry', () => {
  let registry: RegistryFile;
  beforeAll(() => {
    registry = loadRegistry();
  });

  it('has one entry per framework', () => {
    expect(registry.frameworks.map((e) => e.id).sort()).toEqual([...IDS].sort());
  });

  it('has an http(s) source for every claim that is not "unknown" or not applicable', () => {
    const claimed = (v: unknown): boolean => v !== null && v !== undefined && v !== 'unknown';
    let checked = 0;
    for (const e of registry.frameworks) {
      for (const side of ['export', 'import'] as const) {
        const s = e[side] as unknown as Record<string, unknown> & { sources?: Record<string, string[]> };
        for (const k of [
          'level',
          'mechanism',
          'since',
          'maintainer',
          ...(side === 'export' ? ['producerNames'] : []),
        ]) {
          if (!claimed(s[k])) continue;
          checked++;
          const urls = s.sources?.[k] ?? [];
          expect(urls.length, `${e.id}.${side}.${k}`).toBeGreaterThan(0);
          for (const u of urls) expect(u, `${e.id}.${side}.${k}`).toMatch(/^https?:\/\/[^\s]+\.[^\s]+/);
        }
      }
      for (const k of ['value', 'since'] as const) {
        if (!claimed(e.status[k])) continue;
        checked++;
        expect(e.status.sources?.[k]?.length, `${e.id}.status.${k}`).toBeGreaterThan(0);
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('keeps levels and statuses in their vocabularies, with mechanisms for real paths', () => {
    for (const e of registry.frameworks) {
      for (const s of [e.export, e.import]) {
        expect(['built-in', 'community', 'none', 'unknown']).toContain(s.level);
        if (s.level === 'built-in' || s.level === 'community') expect(s.mechanism, e.id).toMatch(/\w/);
        if (s.level === 'none') expect(s.mechanism).toBeNull();
      }
      expect(['active', 'maintenance', 'archived', 'unknown']).toContain(e.status.value);
    }
  });

  it('formats as a table naming every framework', () => {
    const fw = loadFrameworks().frameworks;
    const text = formatRegistryTable(registry, fw);
    for (const f of fw) expect(text).toContain(f.name);
    expect(registryRows(registry, fw)).toHaveLength(13);
  });
});

describe('formats', () => {
  it('table and markdown state view, source, uncertainty and every framework', () => {
    for (const card of [asPublished, corrected]) {
      for (const fmt of ['table', 'markdown'] as const) {
        const text = formatScorecard(card, fmt);
        expect(text).toContain(`View: ${card.view}`);
        expect(text).toContain(card.source.article.url);
        expect(text).toContain('Reading uncertainty');
        for (const f of card.frameworks) expect(text).toContain(f.name);
      }
    }
    expect(formatScorecard(corrected, 'markdown')).toContain(PLATFORM_LABEL_SWAP.why.slice(0, 40));
  });

  it('json round-trips the scorecard', () => {
    const parsed = JSON.parse(formatScorecard(corrected, 'json')) as Scorecard;
    expect(parsed.view).toBe('corrected');
    expect(parsed.frameworks).toHaveLength(13);
    expect(parsed.frameworks[0]!.overall.score).toBeCloseTo(corrected.frameworks[0]!.overall.score!, 3);
  });

  it('csv has one row per framework with recomputed and published values', () => {
    const records = parseCsv(formatScorecard(asPublished, 'csv'));
    const [header, ...rows] = records.map((r) => r.fields);
    expect(rows).toHaveLength(13);
    const col = (name: string): number => header!.indexOf(name);
    for (const c of [
      'view',
      'id',
      'overall',
      'overall_published',
      'overall_uncertainty',
      'platform',
      'platform_published',
      'source',
    ])
      expect(col(c), c).toBeGreaterThanOrEqual(0);
    for (const r of rows) {
      const f = byId(asPublished, r[col('id')]!);
      expect(Number(r[col('overall')])).toBeCloseTo(f.overall.score!, 2);
      expect(Number(r[col('overall_published')])).toBe(PUBLISHED[f.name]![3]);
      expect(r[col('view')]).toBe('as-published');
    }
  });
});
