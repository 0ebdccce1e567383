/**
 * `verify --validate`: checks of a backend's outputs that need no reference (as Polygraphy's
 * --validate): NaN or infinite values, and outputs that are zero everywhere.
 */
import type { Tensor } from '../tensor/tensor.js';

export interface OutputCheck {
  name: string;
  elements: number;
  nan: number;
  inf: number;
  /** Every element is zero (an output with no elements is not flagged). */
  allZero: boolean;
}

export interface OutputValidation {
  /** No NaN, no infinity, no all-zero output. */
  ok: boolean;
  outputs: OutputCheck[];
}

export function checkOutput(name: string, t: Tensor): OutputCheck {
  let nan = 0,
    inf = 0,
    nonZero = 0;
  const data = t.data as ArrayLike<number | bigint | string>;
  const isFloat = t.dtype.startsWith('float') && t.dtype !== 'float16';
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'string') {
      nonZero++;
      continue;
    }
    if (typeof v === 'bigint') {
      if (v !== 0n) nonZero++;
      continue;
    }
    if (isFloat) {
      if (Number.isNaN(v)) {
        nan++;
        continue;
      }
      if (!Number.isFinite(v)) {
        inf++;
        continue;
      }
    } else if (t.dtype === 'float16') {
      // IEEE half bits: exponent all ones is NaN (mantissa != 0) or infinity.
      const bits = v as number;
      if ((bits & 0x7c00) === 0x7c00) {
        if (bits & 0x03ff) nan++;
        else inf++;
        continue;
      }
      if ((bits & 0x7fff) !== 0) nonZero++;
      continue;
    }
    if (v !== 0) nonZero++;
  }
  return { name, elements: data.length, nan, inf, allZero: data.length > 0 && nonZero === 0 && nan === 0 && inf === 0 };
}

export function validateOutputs(outputs: ReadonlyMap<string, Tensor>): OutputValidation {
  const checks = [...outputs].map(([name, t]) => checkOutput(name, t));
  return { ok: checks.every((c) => c.nan === 0 && c.inf === 0 && !c.allZero), outputs: checks };
}

/** One line per problem: `y: 3 NaN`, `y: all 1000 elements zero`. */
export function validationProblems(v: OutputValidation): string[] {
  return v.outputs.flatMap((c) => [
    ...(c.nan || c.inf
      ? [
          `${c.name}: ${[c.nan ? `${c.nan} NaN` : '', c.inf ? `${c.inf} infinite` : ''].filter(Boolean).join(', ')} of ${c.elements} elements`,
        ]
      : []),
    ...(c.allZero ? [`${c.name}: all ${c.elements} elements are zero`] : []),
  ]);
}
