/** The inputs a run fed, as resolved: one line per model (`verify`'s text output). */
import type { PreparedModel } from '../verify/prepare.js';
import { shapeString } from '../tensor/tensor.js';

export function renderResolvedInputs(prepared: PreparedModel[]): string[] {
  return prepared.map(
    (p) =>
      `inputs of ${p.target.id}: ${[...p.feeds].map(([name, t]) => `${name} ${t.dtype} ${shapeString(t.dims)}`).join(', ') || '(none)'} (${p.referenceSource || 'generated'})`,
  );
}
