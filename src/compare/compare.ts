/**
 * Output equivalence, numpy.allclose style: |a - b| <= atol + rtol * |b| elementwise, with `b` the
 * reference. NaN equals NaN at the same position (equal_nan); an infinity equals only the same infinity.
 *
 * The comparison policy may name another error statistic (`stat`, as Polygraphy's
 * --check-error-stat): with `max`, `mean` or `median` an output passes when that statistic of the
 * absolute errors is within atol or that statistic of the relative errors |a - b| / |b| is within
 * rtol (a non-finite mismatch still fails). `elemwise` (the default) is the allclose rule above.
 * Every failed numeric comparison says which tolerance would have passed (`passingTolerance`).
 */
import { toFloat64, type Tensor } from '../tensor/tensor.js';
import type { Tolerance } from '../models/manifest.js';

export type ErrorStat = 'elemwise' | 'max' | 'mean' | 'median';
export const ERROR_STATS: readonly ErrorStat[] = ['elemwise', 'max', 'mean', 'median'];

/** A tolerance and the statistic it bounds: the comparison policy of one output. */
export interface ComparisonPolicy extends Tolerance {
  /** Default 'elemwise'. */
  stat?: ErrorStat;
}

/**
 * The loosest-needed tolerance that would have passed this output: `atol` with the policy's rtol
 * kept, and `rtol` with its atol kept; null where no finite value passes (a NaN or infinity differs,
 * or a zero reference with a larger error).
 */
export interface PassingTolerance {
  atol: number | null;
  rtol: number | null;
}

export interface TopKAgreement {
  /** Fraction of rows whose argmax agrees. */
  top1: number;
  /** Mean overlap of the top-5 index sets (0..1). */
  top5: number;
  rows: number;
}

export interface TensorComparison {
  name: string;
  ok: boolean;
  /** Why it failed when it was not a numeric mismatch (shape or dtype). */
  problem?: string;
  dtype: string;
  referenceDtype: string;
  shape: number[];
  referenceShape: number[];
  elements: number;
  mismatches: number;
  maxAbsError: number;
  maxRelError: number;
  meanAbsError: number;
  /** Positions where exactly one side is NaN, or infinities differ. */
  nonFiniteMismatches: number;
  /** The first of those: its flat index and both values as text (JSON has no NaN or infinity). */
  firstNonFinite?: { index: number; actual: string; reference: string };
  cosineSimilarity: number | null;
  /** Flat index (row-major) of the element with the largest absolute error. */
  maxAbsIndex?: number;
  /** The smallest atol that would have passed at this rtol (null when non-finite values differ: no atol passes). */
  passingAtol?: number | null;
  topK?: TopKAgreement;
  tolerance: Tolerance;
  /** The statistic judged, when not elementwise, and its values over the absolute and relative errors. */
  stat?: { name: Exclude<ErrorStat, 'elemwise'>; absError: number; relError: number };
  /** When a numeric comparison failed: the tolerance that would have passed. */
  passingTolerance?: PassingTolerance;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isScoreVector(dims: readonly number[], dtype: string): boolean {
  if (!dtype.startsWith('float')) return false;
  const last = dims[dims.length - 1] ?? 0;
  if (dims.length === 0 || dims.length > 2 || last < 2) return false;
  const rows = dims.length === 2 ? dims[0]! : 1;
  return rows >= 1 && rows <= 256;
}

function topIndices(values: Float64Array, start: number, len: number, k: number): number[] {
  const idx = Array.from({ length: len }, (_, i) => i);
  idx.sort((i, j) => values[start + j]! - values[start + i]! || i - j);
  return idx.slice(0, Math.min(k, len));
}

function topK(actual: Float64Array, expected: Float64Array, dims: readonly number[]): TopKAgreement {
  const len = dims[dims.length - 1]!;
  const rows = actual.length / len;
  let top1 = 0;
  let top5 = 0;
  for (let r = 0; r < rows; r++) {
    const a = topIndices(actual, r * len, len, 5);
    const e = topIndices(expected, r * len, len, 5);
    if (a[0] === e[0]) top1++;
    const es = new Set(e);
    top5 += a.filter((i) => es.has(i)).length / e.length;
  }
  return { top1: top1 / rows, top5: top5 / rows, rows };
}

function statOf(values: Float64Array, stat: Exclude<ErrorStat, 'elemwise'>): number {
  if (values.length === 0) return 0;
  if (stat === 'max') return values.reduce((m, v) => (v > m ? v : m), 0);
  if (stat === 'mean') return values.reduce((s, v) => s + v, 0) / values.length;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function compareTensors(
  name: string,
  actual: Tensor,
  reference: Tensor,
  policy: ComparisonPolicy,
): TensorComparison {
  const tolerance: Tolerance = { atol: policy.atol, rtol: policy.rtol };
  const stat = policy.stat && policy.stat !== 'elemwise' ? policy.stat : undefined;
  const base = {
    name,
    dtype: actual.dtype,
    referenceDtype: reference.dtype,
    shape: actual.dims,
    referenceShape: reference.dims,
    elements: reference.data.length,
    tolerance,
  };
  const fail = (problem: string): TensorComparison => ({
    ...base,
    ok: false,
    problem,
    mismatches: reference.data.length,
    maxAbsError: Number.NaN,
    maxRelError: Number.NaN,
    meanAbsError: Number.NaN,
    nonFiniteMismatches: 0,
    cosineSimilarity: null,
  });
  // Scalars are sometimes stored as [1] or [] by different exporters: allow rank differences of size-1 axes.
  const squeeze = (d: readonly number[]) => d.filter((x) => x !== 1);
  if (
    actual.data.length !== reference.data.length ||
    (!sameShape(actual.dims, reference.dims) && !sameShape(squeeze(actual.dims), squeeze(reference.dims)))
  ) {
    return fail(`shape [${actual.dims.join(', ')}] differs from the reference [${reference.dims.join(', ')}]`);
  }
  const boolish = (t: string) => t === 'bool' || t === 'uint8';
  if (actual.dtype !== reference.dtype && !(boolish(actual.dtype) && boolish(reference.dtype))) {
    return fail(`element type ${actual.dtype} differs from the reference ${reference.dtype}`);
  }
  if (reference.dtype === 'string') {
    // Strings compare exactly, element by element.
    const x = actual.data as string[],
      y = reference.data as string[];
    let mismatches = 0;
    for (let i = 0; i < y.length; i++) if (x[i] !== y[i]) mismatches++;
    const first = y.findIndex((v, i) => x[i] !== v);
    return {
      ...base,
      ok: mismatches === 0,
      ...(mismatches
        ? {
            problem: `${mismatches}/${y.length} strings differ (first at ${first}: ${JSON.stringify(x[first])} vs ${JSON.stringify(y[first])})`,
          }
        : {}),
      mismatches,
      maxAbsError: 0,
      maxRelError: 0,
      meanAbsError: 0,
      nonFiniteMismatches: 0,
      cosineSimilarity: null,
    };
  }
  const a = toFloat64(actual);
  const b = toFloat64(reference);
  const { atol, rtol } = tolerance;
  let mismatches = 0,
    nonFinite = 0,
    maxAbs = 0,
    maxRel = 0,
    sumAbs = 0,
    finiteCount = 0;
  let dot = 0,
    na = 0,
    nb = 0,
    maxAt = 0,
    needAtol = 0,
    firstNonFinite = -1;
  // The rtol that would have passed at this atol (elementwise), and the errors a statistic needs.
  let needRtol = 0;
  const absErrors = stat ? new Float64Array(b.length) : undefined;
  const relErrors = stat ? new Float64Array(b.length) : undefined;
  for (let i = 0; i < b.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      const same = (Number.isNaN(x) && Number.isNaN(y)) || x === y;
      if (!same) {
        mismatches++;
        if (nonFinite++ === 0) firstNonFinite = i;
      }
      continue;
    }
    const diff = Math.abs(x - y);
    finiteCount++;
    sumAbs += diff;
    if (diff > maxAbs) {
      maxAbs = diff;
      maxAt = i;
    }
    const need = diff - rtol * Math.abs(y);
    if (need > needAtol) needAtol = need;
    const rel = diff / Math.max(Math.abs(y), Number.MIN_VALUE);
    if (diff > 0 && rel > maxRel) maxRel = rel;
    if (diff > atol + rtol * Math.abs(y)) mismatches++;
    if (diff > atol) needRtol = Math.max(needRtol, y === 0 ? Number.POSITIVE_INFINITY : (diff - atol) / Math.abs(y));
    if (absErrors && relErrors) {
      absErrors[finiteCount - 1] = diff;
      relErrors[finiteCount - 1] = y === 0 ? (diff === 0 ? 0 : Number.POSITIVE_INFINITY) : diff / Math.abs(y);
    }
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  let ok = mismatches === 0;
  let passAtol = needAtol,
    passRtol = needRtol;
  let statResult: TensorComparison['stat'];
  if (stat && absErrors && relErrors) {
    const absError = statOf(absErrors.subarray(0, finiteCount), stat);
    const relError = statOf(relErrors.subarray(0, finiteCount), stat);
    statResult = { name: stat, absError, relError };
    ok = nonFinite === 0 && (absError <= atol || relError <= rtol);
    passAtol = absError;
    passRtol = relError;
  }
  const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);
  const passingTolerance: PassingTolerance | undefined = ok
    ? undefined
    : nonFinite > 0
      ? { atol: null, rtol: null }
      : { atol: finiteOrNull(Math.max(passAtol, 0)), rtol: finiteOrNull(passRtol) };
  const cos = na === 0 && nb === 0 ? 1 : na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  return {
    ...base,
    ok,
    mismatches,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    meanAbsError: finiteCount ? sumAbs / finiteCount : 0,
    nonFiniteMismatches: nonFinite,
    ...(firstNonFinite >= 0
      ? {
          firstNonFinite: {
            index: firstNonFinite,
            actual: String(a[firstNonFinite]),
            reference: String(b[firstNonFinite]),
          },
        }
      : {}),
    cosineSimilarity: finiteCount ? cos : null,
    maxAbsIndex: maxAt,
    passingAtol: nonFinite ? null : needAtol,
    ...(isScoreVector(reference.dims, reference.dtype) && a.length > 0 ? { topK: topK(a, b, reference.dims) } : {}),
    ...(statResult ? { stat: statResult } : {}),
    ...(passingTolerance ? { passingTolerance } : {}),
  };
}

export interface OutputsComparison {
  ok: boolean;
  outputs: TensorComparison[];
  /** Reference outputs the backend did not produce. */
  missing: string[];
}

/**
 * Compare every reference output (by name) with the backend's outputs. `perOutput` sets atol
 * and/or rtol for named outputs (the rest of the policy applies to the others).
 */
export function compareOutputs(
  actual: ReadonlyMap<string, Tensor>,
  reference: ReadonlyMap<string, Tensor>,
  tolerance: ComparisonPolicy,
  perOutput?: ReadonlyMap<string, Partial<Tolerance>>,
): OutputsComparison {
  const outputs: TensorComparison[] = [];
  const missing: string[] = [];
  for (const [name, ref] of reference) {
    const got = actual.get(name);
    if (!got) {
      missing.push(name);
      continue;
    }
    const own = perOutput?.get(name);
    outputs.push(compareTensors(name, got, ref, own ? { ...tolerance, ...own } : tolerance));
  }
  return { ok: missing.length === 0 && outputs.every((o) => o.ok), outputs, missing };
}

/** A one-line reason for a failed comparison. */
export function describeMismatch(c: OutputsComparison): string {
  if (c.missing.length) return `outputs missing: ${c.missing.join(', ')}`;
  const bad = c.outputs.filter((o) => !o.ok);
  const up = (x: number | null) =>
    x === null
      ? 'none'
      : x === 0
        ? '0'
        : String(
            Number(
              (
                Math.ceil(x / 10 ** (Math.floor(Math.log10(x)) - 2) - 1e-9) *
                10 ** (Math.floor(Math.log10(x)) - 2)
              ).toPrecision(3),
            ),
          );
  // The largest error among finite values, unless every mismatch is a non-finite one (it would read 0).
  const finite = (o: TensorComparison) =>
    o.mismatches > o.nonFiniteMismatches ? `, max abs error ${o.maxAbsError.toExponential(2)}` : '';
  // A finite value in six significant digits (the record keeps it whole).
  const short = (v: string) => (Number.isFinite(Number(v)) ? String(Number(Number(v).toPrecision(6))) : v);
  const nonFiniteNote = (o: TensorComparison) =>
    o.firstNonFinite
      ? `, ${o.nonFiniteMismatches} non-finite (first at index ${o.firstNonFinite.index}: got ${short(o.firstNonFinite.actual)}, expected ${short(o.firstNonFinite.reference)})`
      : '';
  const passing = (p: PassingTolerance | undefined) =>
    p ? `; passes at atol ${up(p.atol)} or rtol ${up(p.rtol)}` : '';
  return bad
    .map((o) =>
      o.problem
        ? `${o.name}: ${o.problem}`
        : o.stat
          ? `${o.name}: ${o.stat.name} abs error ${o.stat.absError.toExponential(2)} and ${o.stat.name} rel error ${o.stat.relError.toExponential(2)} beyond atol ${o.tolerance.atol} / rtol ${o.tolerance.rtol}${passing(o.passingTolerance)}`
          : `${o.name}: ${o.mismatches}/${o.elements} elements beyond atol ${o.tolerance.atol} + rtol ${o.tolerance.rtol}${finite(o)}${nonFiniteNote(o)}${passing(o.passingTolerance)}`,
    )
    .join('; ');
}
