import { describe, it, expect } from 'vitest';
import { compareOutputs, compareTensors, describeMismatch } from '../src/compare/compare.js';
import { latencyStats } from '../src/stats/latency.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { Tolerance } from '../src/models/manifest.js';

const f64 = (values: number[], dims = [values.length]): Tensor => ({
  dtype: 'float64',
  dims,
  data: new Float64Array(values),
});
const f32 = (values: number[], dims = [values.length]): Tensor => ({
  dtype: 'float32',
  dims,
  data: new Float32Array(values),
});
const tol = (atol: number, rtol: number): Tolerance => ({ atol, rtol });

describe('compareTensors: allclose semantics |a - b| <= atol + rtol * |b|', () => {
  it('identical tensors pass with zero error', () => {
    const c = compareTensors('y', f32([1, 2, 3]), f32([1, 2, 3]), tol(0, 0));
    expect(c.ok).toBe(true);
    expect(c.mismatches).toBe(0);
    expect(c.maxAbsError).toBe(0);
    expect(c.meanAbsError).toBe(0);
    expect(c.maxRelError).toBe(0);
    expect(c.elements).toBe(3);
    expect(c.problem).toBeUndefined();
    expect(c.tolerance).toEqual(tol(0, 0));
  });

  it('the exact boundary passes; just beyond fails', () => {
    // b = 1, atol 0.25, rtol 0.5: the bound is exactly 0.75 (all values exact in binary).
    expect(compareTensors('y', f64([1.75]), f64([1]), tol(0.25, 0.5)).ok).toBe(true);
    expect(compareTensors('y', f64([0.25]), f64([1]), tol(0.25, 0.5)).ok).toBe(true);
    const beyond = compareTensors('y', f64([1.75 + 2 ** -40]), f64([1]), tol(0.25, 0.5));
    expect(beyond.ok).toBe(false);
    expect(beyond.mismatches).toBe(1);
    // atol alone, rtol alone
    expect(compareTensors('y', f64([0.5]), f64([0]), tol(0.5, 0)).ok).toBe(true);
    expect(compareTensors('y', f64([0.5 + 2 ** -30]), f64([0]), tol(0.5, 0)).ok).toBe(false);
    expect(compareTensors('y', f64([-6]), f64([-4]), tol(0, 0.5)).ok).toBe(true);
    expect(compareTensors('y', f64([-6.000001]), f64([-4]), tol(0, 0.5)).ok).toBe(false);
  });

  it('rtol scales with the reference (second argument), not the actual values', () => {
    // |2 - 4| = 2 <= 0.5 * |4|, but |4 - 2| = 2 > 0.5 * |2|
    expect(compareTensors('y', f64([2]), f64([4]), tol(0, 0.5)).ok).toBe(true);
    expect(compareTensors('y', f64([4]), f64([2]), tol(0, 0.5)).ok).toBe(false);
  });

  it('counts mismatches and reports error statistics', () => {
    const c = compareTensors('y', f64([1, 2.5, 3, 10]), f64([1, 2, 3, 8]), tol(0.1, 0));
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(2);
    expect(c.maxAbsError).toBe(2);
    expect(c.meanAbsError).toBeCloseTo((0 + 0.5 + 0 + 2) / 4, 12);
    expect(c.maxRelError).toBeCloseTo(0.25, 12);
    expect(c.nonFiniteMismatches).toBe(0);
  });

  it('NaN equals NaN at the same position', () => {
    const c = compareTensors('y', f32([NaN, 1]), f32([NaN, 1]), tol(0, 0));
    expect(c.ok).toBe(true);
    expect(c.mismatches).toBe(0);
    expect(c.nonFiniteMismatches).toBe(0);
  });

  it('NaN against a number is a mismatch, either way round, whatever the tolerance', () => {
    for (const [a, b] of [
      [NaN, 1],
      [1, NaN],
      [NaN, 0],
    ] as [number, number][]) {
      const c = compareTensors('y', f32([a, 5]), f32([b, 5]), tol(1e9, 1e9));
      expect(c.ok).toBe(false);
      expect(c.mismatches).toBe(1);
      expect(c.nonFiniteMismatches).toBe(1);
    }
  });

  it('NaN at different positions is two mismatches', () => {
    const c = compareTensors('y', f32([NaN, 1]), f32([1, NaN]), tol(1, 1));
    expect(c.mismatches).toBe(2);
    expect(c.nonFiniteMismatches).toBe(2);
  });

  it('an infinity equals only the same infinity', () => {
    expect(compareTensors('y', f32([Infinity]), f32([Infinity]), tol(0, 0)).ok).toBe(true);
    expect(compareTensors('y', f32([-Infinity]), f32([-Infinity]), tol(0, 0)).ok).toBe(true);
    const opposite = compareTensors('y', f32([Infinity]), f32([-Infinity]), tol(1e30, 1e30));
    expect(opposite.ok).toBe(false);
    expect(opposite.nonFiniteMismatches).toBe(1);
    expect(compareTensors('y', f32([Infinity]), f32([3e38]), tol(1e30, 1e30)).ok).toBe(false);
    expect(compareTensors('y', f32([3e38]), f32([Infinity]), tol(1e30, 1e30)).ok).toBe(false);
    expect(compareTensors('y', f32([NaN]), f32([Infinity]), tol(1, 1)).ok).toBe(false);
  });

  it('non-finite positions do not poison the error statistics', () => {
    const c = compareTensors('y', f32([NaN, 1.5, Infinity]), f32([NaN, 1, Infinity]), tol(0, 0));
    expect(c.maxAbsError).toBe(0.5);
    expect(c.meanAbsError).toBe(0.5);
    expect(Number.isFinite(c.cosineSimilarity!)).toBe(true);
  });

  it('a shape mismatch is a problem, not a numeric comparison', () => {
    const c = compareTensors('out', f32([1, 2, 3, 4, 5, 6], [2, 3]), f32([1, 2, 3, 4, 5, 6], [3, 2]), tol(1, 1));
    expect(c.ok).toBe(false);
    expect(c.problem).toBe('shape [2, 3] differs from the reference [3, 2]');
    expect(c.cosineSimilarity).toBeNull();
    const d = compareTensors('out', f32([1, 2]), f32([1, 2, 3]), tol(1, 1));
    expect(d.ok).toBe(false);
    expect(d.problem).toMatch(/shape \[2\] differs from the reference \[3\]/);
  });

  it('size-1 axes may differ (scalar as [] or [1], [1, 10] as [10])', () => {
    expect(compareTensors('y', f32([1, 2], [1, 2]), f32([1, 2], [2]), tol(0, 0)).ok).toBe(true);
    expect(compareTensors('y', f32([7], []), f32([7], [1, 1]), tol(0, 0)).ok).toBe(true);
  });

  it('an element type mismatch is a problem', () => {
    const c = compareTensors('y', f32([1, 2]), f64([1, 2]), tol(1, 1));
    expect(c.ok).toBe(false);
    expect(c.problem).toBe('element type float32 differs from the reference float64');
    const i = compareTensors(
      'y',
      { dtype: 'int64', dims: [1], data: new BigInt64Array([1n]) },
      { dtype: 'int32', dims: [1], data: new Int32Array([1]) },
      tol(1, 1),
    );
    expect(i.ok).toBe(false);
    expect(i.problem).toMatch(/int64 differs from the reference int32/);
    // bool and uint8 are interchangeable (exporters disagree on how to store bool)
    const b = compareTensors(
      'y',
      { dtype: 'bool', dims: [2], data: new Uint8Array([1, 0]) },
      { dtype: 'uint8', dims: [2], data: new Uint8Array([1, 0]) },
      tol(0, 0),
    );
    expect(b.ok).toBe(true);
  });

  it('compares integer and float16 tensors by value', () => {
    const i = compareTensors(
      'y',
      { dtype: 'int64', dims: [3], data: new BigInt64Array([1n, 2n, 4n]) },
      { dtype: 'int64', dims: [3], data: new BigInt64Array([1n, 2n, 3n]) },
      tol(0, 0),
    );
    expect(i.mismatches).toBe(1);
    expect(i.maxAbsError).toBe(1);
    const h = compareTensors(
      'y',
      { dtype: 'float16', dims: [2], data: new Uint16Array([0x3c00, 0x4000]) },
      { dtype: 'float16', dims: [2], data: new Uint16Array([0x3c00, 0x3c00]) },
      tol(0, 0),
    );
    expect(h.mismatches).toBe(1);
    expect(h.maxAbsError).toBe(1);
  });

  it('cosine similarity', () => {
    expect(compareTensors('y', f64([1, 2, 3]), f64([2, 4, 6]), tol(0, 0)).cosineSimilarity).toBeCloseTo(1, 12);
    expect(compareTensors('y', f64([1, 0]), f64([0, 1]), tol(0, 0)).cosineSimilarity).toBeCloseTo(0, 12);
    expect(compareTensors('y', f64([1, -2]), f64([-1, 2]), tol(0, 0)).cosineSimilarity).toBeCloseTo(-1, 12);
    expect(compareTensors('y', f64([3, 4]), f64([4, 3]), tol(0, 0)).cosineSimilarity).toBeCloseTo(24 / 25, 12);
    expect(compareTensors('y', f64([0, 0]), f64([0, 0]), tol(0, 0)).cosineSimilarity).toBe(1);
    expect(compareTensors('y', f64([0, 0]), f64([1, 0]), tol(0, 0)).cosineSimilarity).toBe(0);
    expect(compareTensors('y', f64([NaN]), f64([NaN]), tol(0, 0)).cosineSimilarity).toBeNull();
  });

  it('topK agreement on a [1, 1000] score vector whose top-1 differs', () => {
    const ref = Array.from({ length: 1000 }, (_, i) => i / 1000); // top-5: 999, 998, 997, 996, 995
    const act = [...ref];
    act[0] = 2; // index 0 becomes top-1; top-5 is now 0, 999, 998, 997, 996 (4 of 5 shared)
    const c = compareTensors('prob', f32(act, [1, 1000]), f32(ref, [1, 1000]), tol(1e-4, 1e-3));
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(1);
    expect(c.topK).toEqual({ top1: 0, top5: 0.8, rows: 1 });
    const same = compareTensors('prob', f32(ref, [1, 1000]), f32(ref, [1, 1000]), tol(0, 0));
    expect(same.topK).toEqual({ top1: 1, top5: 1, rows: 1 });
  });

  it('topK is averaged over rows', () => {
    const ref = [0.1, 0.9, 0.0, /* row 2 */ 0.8, 0.1, 0.1];
    const act = [0.1, 0.9, 0.0, /* row 2 */ 0.1, 0.8, 0.1];
    const c = compareTensors('p', f32(act, [2, 3]), f32(ref, [2, 3]), tol(0, 0));
    expect(c.topK?.rows).toBe(2);
    expect(c.topK?.top1).toBe(0.5);
    expect(c.topK?.top5).toBe(1); // with 3 classes the top-5 sets are all classes
  });

  it('no topK for integer outputs or high-rank tensors', () => {
    expect(
      compareTensors(
        'i',
        { dtype: 'int32', dims: [1, 4], data: new Int32Array([1, 2, 3, 4]) },
        { dtype: 'int32', dims: [1, 4], data: new Int32Array([1, 2, 3, 4]) },
        tol(0, 0),
      ).topK,
    ).toBeUndefined();
    expect(
      compareTensors('x', f32([1, 2, 3, 4], [1, 1, 2, 2]), f32([1, 2, 3, 4], [1, 1, 2, 2]), tol(0, 0)).topK,
    ).toBeUndefined();
  });
});

describe('compareOutputs and describeMismatch', () => {
  it('passes when every reference output matches', () => {
    const c = compareOutputs(
      new Map([
        ['a', f32([1])],
        ['b', f32([2])],
        ['extra', f32([9])],
      ]),
      new Map([
        ['a', f32([1])],
        ['b', f32([2])],
      ]),
      tol(0, 0),
    );
    expect(c.ok).toBe(true);
    expect(c.outputs.map((o) => o.name)).toEqual(['a', 'b']);
    expect(c.missing).toEqual([]);
  });

  it('reports missing outputs', () => {
    const c = compareOutputs(
      new Map([['a', f32([1])]]),
      new Map([
        ['a', f32([1])],
        ['b', f32([2])],
      ]),
      tol(0, 0),
    );
    expect(c.ok).toBe(false);
    expect(c.missing).toEqual(['b']);
    expect(describeMismatch(c)).toBe('outputs missing: b');
  });

  it('describes numeric and shape problems in one line', () => {
    const c = compareOutputs(
      new Map([
        ['a', f32([1, 1.5])],
        ['b', f32([1, 2], [2])],
      ]),
      new Map([
        ['a', f32([1, 1])],
        ['b', f32([1, 2], [1, 2, 1, 1, 2])],
      ]),
      tol(0.1, 0),
    );
    expect(c.ok).toBe(false);
    const line = describeMismatch(c);
    expect(line).not.toContain('\n');
    expect(line).toMatch(
      /^a: 1\/2 elements beyond atol 0\.1 \+ rtol 0, max abs error 5\.00e-1; passes at atol 0\.5 or rtol 0\.4; b: shape \[2\] differs from the reference \[1, 2, 1, 1, 2\]$/,
    );
  });

  it('names the first non-finite mismatch, and no max abs error when every mismatch is non-finite', () => {
    // WebGPU's ReduceLogSum of an empty set (ONNX 1.23 data): NaN where the reference is -inf.
    const all = compareOutputs(
      new Map([['r', f32([Number.NaN, Number.NaN])]]),
      new Map([['r', f32([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])]]),
      tol(0.001, 0.01),
    );
    expect(describeMismatch(all)).toBe(
      'r: 2/2 elements beyond atol 0.001 + rtol 0.01, 2 non-finite (first at index 0: got NaN, expected -Infinity); passes at atol none or rtol none',
    );
    const mixed = compareOutputs(
      new Map([['r', f32([1.5, 2, Number.POSITIVE_INFINITY])]]),
      new Map([['r', f32([1, 2, 3])]]),
      tol(0.1, 0),
    );
    expect(describeMismatch(mixed)).toBe(
      'r: 2/3 elements beyond atol 0.1 + rtol 0, max abs error 5.00e-1, 1 non-finite (first at index 2: got Infinity, expected 3); passes at atol none or rtol none',
    );
    // Finite values in six digits: onnxruntime's attention masks with the lowest float where ONNX has -inf.
    const masked = compareOutputs(
      new Map([['q', f32([-3.4028234663852886e38])]]),
      new Map([['q', f32([Number.NEGATIVE_INFINITY])]]),
      tol(0.1, 0),
    );
    expect(describeMismatch(masked)).toMatch(/first at index 0: got -3\.40282e\+38, expected -Infinity\)/);
    expect(masked.outputs[0]!.firstNonFinite).toEqual({
      index: 0,
      actual: String(Math.fround(-3.4028234663852886e38)),
      reference: '-Infinity',
    });
  });
});

describe('comparison policy: error statistic, per-output tolerance, the tolerance that would have passed', () => {
  // errors 0, 0, 0, 0.3 against references of 1: elementwise one element fails; mean and median pass.
  const actual = f32([1, 2, 3, 4.3]);
  const ref = f32([1, 2, 3, 4]);

  it('elemwise fails on the one bad element and names the atol (rtol kept) and rtol (atol kept) that pass', () => {
    const c = compareTensors('y', actual, ref, { atol: 0.1, rtol: 0 });
    expect(c.ok).toBe(false);
    expect(c.passingTolerance!.atol).toBeCloseTo(0.3, 6);
    expect(c.passingTolerance!.rtol).toBeCloseTo(0.2 / 4, 6);
    expect(compareTensors('y', actual, ref, { atol: c.passingTolerance!.atol! + 1e-9, rtol: 0 }).ok).toBe(true);
    expect(compareTensors('y', actual, ref, { atol: 0.1, rtol: c.passingTolerance!.rtol! + 1e-9 }).ok).toBe(true);
  });

  it('max / mean / median judge that statistic of the errors (abs within atol or rel within rtol)', () => {
    const t = { atol: 0.1, rtol: 0.01 };
    expect(compareTensors('y', actual, ref, { ...t, stat: 'max' }).ok).toBe(false);
    const mean = compareTensors('y', actual, ref, { ...t, stat: 'mean' });
    expect(mean.ok).toBe(true);
    expect(mean.stat).toMatchObject({ name: 'mean' });
    expect(mean.stat!.absError).toBeCloseTo(0.075, 6);
    expect(compareTensors('y', actual, ref, { atol: 0.01, rtol: 0.001, stat: 'mean' }).ok).toBe(false);
    const median = compareTensors('y', actual, ref, { atol: 0, rtol: 0, stat: 'median' });
    expect(median.ok).toBe(true);
    expect(median.stat!.absError).toBe(0);
    const max = compareTensors('y', actual, ref, { atol: 0.01, rtol: 0, stat: 'max' });
    expect(max.passingTolerance!.atol).toBeCloseTo(0.3, 6);
    expect(describeMismatch({ ok: false, outputs: [max], missing: [] })).toMatch(
      /^y: max abs error 3\.00e-1 and max rel error 7\.50e-2 beyond atol 0\.01 \/ rtol 0; passes at atol 0\.301 or rtol 0\.0751$/,
    );
  });

  it('a NaN where the reference has a number: no tolerance passes', () => {
    const c = compareTensors('y', f32([Number.NaN, 1]), f32([1, 1]), { atol: 1, rtol: 1, stat: 'mean' });
    expect(c.ok).toBe(false);
    expect(c.passingTolerance).toEqual({ atol: null, rtol: null });
  });

  it('per-output tolerances apply to their output; the bare policy to the others', () => {
    const outs = new Map([
      ['a', actual],
      ['b', actual],
    ]);
    const refs = new Map([
      ['a', ref],
      ['b', ref],
    ]);
    const c = compareOutputs(outs, refs, { atol: 0.1, rtol: 0 }, new Map([['a', { atol: 0.5 }]]));
    expect(c.outputs.map((o) => [o.name, o.ok, o.tolerance.atol])).toEqual([
      ['a', true, 0.5],
      ['b', false, 0.1],
    ]);
  });
});

describe('latencyStats', () => {
  it('returns null for no runs', () => {
    expect(latencyStats([])).toBeNull();
  });

  it('matches hand-computed statistics for 1..10 (unsorted input)', () => {
    const s = latencyStats([5, 1, 4, 2, 3, 10, 7, 6, 9, 8])!;
    expect(s.n).toBe(10);
    expect(s.min).toBe(1);
    expect(s.max).toBe(10);
    expect(s.mean).toBe(5.5);
    // Quantiles as numpy.percentile's default (linear interpolation at rank (n - 1)·p, 0-based):
    // p50 at 4.5 -> 5.5, p90 at 8.1 -> 9.1, p99 at 8.91 -> 9.91.
    expect(s.p50).toBe(5.5);
    expect(s.p90).toBeCloseTo(9.1, 12);
    expect(s.p99).toBeCloseTo(9.91, 12);
    // sample standard deviation: sqrt(sum((i - 5.5)^2) / 9) = sqrt(82.5 / 9)
    expect(s.stdev).toBeCloseTo(Math.sqrt(82.5 / 9), 12);
    const [lo, hi] = s.medianCI95;
    expect(lo).toBeLessThanOrEqual(5.5);
    expect(hi).toBeGreaterThanOrEqual(5.5);
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(10);
  });

  it('matches hand-computed quantiles for 1..100', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    const s = latencyStats(values)!;
    // ranks 49.5, 89.1, 98.01 (0-based) of 1..100
    expect(s.p50).toBe(50.5);
    expect(s.p90).toBeCloseTo(90.1, 12);
    expect(s.p99).toBeCloseTo(99.01, 12);
    expect(s.mean).toBe(50.5);
  });

  it('odd count: the median is the middle value', () => {
    const s = latencyStats([3, 1, 2, 100, 4])!;
    expect(s.p50).toBe(3);
    expect(s.p99).toBeCloseTo(4 + 0.96 * 96, 12); // rank 3.96 of [1, 2, 3, 4, 100]
  });

  it('does not modify its input', () => {
    const input = [3, 1, 2];
    latencyStats(input);
    expect(input).toEqual([3, 1, 2]);
  });

  it('one run: zero stdev and a degenerate CI', () => {
    const s = latencyStats([4.2])!;
    expect(s).toMatchObject({ n: 1, min: 4.2, max: 4.2, mean: 4.2, p50: 4.2, p90: 4.2, p99: 4.2, stdev: 0 });
    expect(s.medianCI95).toEqual([4.2, 4.2]);
  });

  it('the median CI contains the median and lies within [min, max], for many sizes', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const n of [2, 3, 4, 5, 7, 10, 11, 20, 33, 50, 100, 101, 500]) {
      const values = Array.from({ length: n }, () => 1 + rand() * 10);
      const s = latencyStats(values)!;
      const [lo, hi] = s.medianCI95;
      expect(lo, `n=${n}`).toBeLessThanOrEqual(s.p50);
      expect(hi, `n=${n}`).toBeGreaterThanOrEqual(s.p50);
      expect(lo).toBeGreaterThanOrEqual(s.min);
      expect(hi).toBeLessThanOrEqual(s.max);
      expect(values).toContain(lo);
      expect(values).toContain(hi);
    }
  });

  it('the median CI is the narrowest order-statistic pair with >= 95% exact coverage, for n >= 6', () => {
    // [x(r), x(s)] (1-based order statistics) covers the median with probability P(r <= B <= s - 1), B ~ Bin(n, 1/2).
    const cdf = (n: number, k: number) => {
      let sum = 0,
        c = 1;
      for (let i = 0; i <= k; i++) {
        if (i > 0) c = (c * (n - i + 1)) / i;
        sum += c;
      }
      return sum / 2 ** n;
    };
    const problems: string[] = [];
    for (const n of [6, 7, 8, 9, 10, 12, 15, 20, 30, 50, 100, 200, 500, 1000]) {
      const values = Array.from({ length: n }, (_, i) => i + 1); // value = 1-based rank
      const st = latencyStats(values)!;
      const [r, s] = st.medianCI95;
      const coverage = cdf(n, s - 1) - cdf(n, r - 1);
      if (coverage < 0.95) problems.push(`n=${n}: [x(${r}), x(${s})] covers ${(coverage * 100).toFixed(1)}%`);
      if (Math.abs(coverage - st.medianCICoverage) > 1e-9)
        problems.push(`n=${n}: reported coverage ${st.medianCICoverage} vs ${coverage}`);
      if (r + s !== n + 1) problems.push(`n=${n}: not symmetric`);
      const narrower = cdf(n, s - 2) - cdf(n, r); // [x(r+1), x(s-1)]
      if (r + 1 <= s - 1 && narrower >= 0.95)
        problems.push(`n=${n}: [x(${r + 1}), x(${s - 1})] also covers ${(narrower * 100).toFixed(1)}%`);
    }
    expect(problems).toEqual([]);
    // Textbook values: n = 10 gives [x(2), x(9)] (97.9%), n = 100 gives [x(40), x(61)] (96.5%).
    expect(latencyStats(Array.from({ length: 10 }, (_, i) => i + 1))!.medianCI95).toEqual([2, 9]);
    expect(latencyStats(Array.from({ length: 100 }, (_, i) => i + 1))!.medianCI95).toEqual([40, 61]);
  });

  it('below 6 runs no 95% interval exists: [min, max] with its true, lower coverage', () => {
    const s = latencyStats([5, 1, 4, 2])!;
    expect(s.medianCI95).toEqual([1, 5]);
    expect(s.medianCICoverage).toBeCloseTo(1 - 2 / 16, 12);
    expect(s.medianCICoverage).toBeLessThan(0.95);
  });
});
