/**
 * Per-op tolerance rules for references that are themselves approximate. The default (atol 1e-4,
 * rtol 1e-3) stays for everything else: a rule applies to a model (without a manifest) whose graph
 * uses the op, and the result records which rule and why. Not a global bump.
 */
import type { ModelSummary } from '../onnx/inspect.js';
import type { Tolerance } from '../models/manifest.js';

export interface ToleranceRule {
  /** Op type (ai.onnx domain) that triggers the rule. */
  op: string;
  tolerance: Tolerance;
  /** Why the reference is approximate for this op. */
  why: string;
}

export const TOLERANCE_RULES: readonly ToleranceRule[] = [
  {
    op: 'DFT',
    tolerance: { atol: 1e-3, rtol: 1e-3 },
    why: "the reference is numpy's FFT in float64 cast to float32, while onnxruntime sums the DFT in float32: errors grow with the signal length",
  },
];

/** The loosest rule among the ops a model uses, with its reason; undefined when none applies. */
export function toleranceRuleFor(
  summary: Pick<ModelSummary, 'opCounts'>,
): { tolerance: Tolerance; reason: string } | undefined {
  const ops = new Set(
    Object.keys(summary.opCounts).map((k) => (k.startsWith('ai.onnx:') ? k.slice('ai.onnx:'.length) : k)),
  );
  const hits = TOLERANCE_RULES.filter((r) => ops.has(r.op));
  if (!hits.length) return undefined;
  const tolerance = {
    atol: Math.max(...hits.map((h) => h.tolerance.atol)),
    rtol: Math.max(...hits.map((h) => h.tolerance.rtol)),
  };
  return {
    tolerance,
    reason: hits.map((h) => `${h.op}: atol ${h.tolerance.atol}, rtol ${h.tolerance.rtol} (${h.why})`).join('; '),
  };
}
