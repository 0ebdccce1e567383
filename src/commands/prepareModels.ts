/** Model names (ids, groups, paths) to prepared models, with the inputs option group's values. */
import { InputError } from '../errors.js';
import type { PreparedModel } from '../verify/prepare.js';
import type { ModelInputOptions } from './args/inputs.js';

/** Resolve model names (ids, groups, paths) and prepare each with the given inputs; `what` names the run in errors. */
export async function prepareModels(names: string[], opts: ModelInputOptions, what: string): Promise<PreparedModel[]> {
  const { resolveTargets } = await import('../models/catalog.js');
  const { prepareTarget } = await import('../verify/prepare.js');
  const targets = resolveTargets(names, undefined, opts.manifest ? { manifest: opts.manifest } : {});
  if (targets.length === 0) throw new InputError(`no models to ${what}`);
  if (opts.inputs && targets.length !== 1) throw new InputError('--inputs applies to exactly one model');
  return targets.map((t) =>
    prepareTarget(t, {
      ...(opts.inputs ? { inputs: opts.inputs } : {}),
      ...(opts.dim ? { dims: opts.dim } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    }),
  );
}
