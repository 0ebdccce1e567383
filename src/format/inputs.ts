/** The inputs a run fed, as resolved: one line per model (`verify`'s text output). */
import type { PreparedModel } from '../verify/prepare.js';
import { shapeString } from '../tensor/tensor.js';
import { safeText, stdoutContext, wrap, type RenderContext } from './terminal.js';

/** Each model's line, wrapped to the terminal (continuation lines indented). */
export function renderResolvedInputs(prepared: PreparedModel[], ctx: RenderContext = stdoutContext()): string[] {
  return prepared.flatMap((p) =>
    wrap(
      safeText(
        `inputs of ${p.target.id}: ${[...p.feeds].map(([name, t]) => `${name} ${t.dtype} ${shapeString(t.dims)}`).join(', ') || '(none)'} (${p.referenceSource || 'generated'})`,
      ),
      ctx.width,
      '    ',
    ),
  );
}
