/**
 * The comparison option group of `verify` (as Polygraphy's comparator args): tolerances, bare or
 * per output (`--atol 1e-4 --atol logits:1e-3`), the error statistic, `--validate` and `--save-outputs`.
 */
import { Option, type Command } from 'commander';
import { InputError } from '../../errors.js';
import { ERROR_STATS, type ErrorStat } from '../../compare/compare.js';
import type { ToleranceOverride } from '../../verify/result.js';

/** A tolerance flag's values: a bare value for every output, and values for named outputs. */
export interface ToleranceSpec {
  value?: number;
  outputs: Record<string, number>;
}

export interface ComparisonValues {
  atol?: ToleranceSpec;
  rtol?: ToleranceSpec;
  checkErrorStat?: ErrorStat;
  validate?: boolean;
  saveOutputs?: string;
}

/**
 * Parse `1e-3`, `name:1e-3` or a comma-separated list of them (repeatable). The name is what
 * precedes the last colon, so output names with colons (`Identity:0:1e-3`) work.
 */
export function collectTolerance(flag: string) {
  return (value: string, previous: ToleranceSpec | undefined): ToleranceSpec => {
    const spec: ToleranceSpec = {
      ...(previous?.value !== undefined ? { value: previous.value } : {}),
      outputs: { ...(previous?.outputs ?? {}) },
    };
    for (const part of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const cut = part.lastIndexOf(':');
      const name = cut > 0 ? part.slice(0, cut) : undefined;
      const text = cut > 0 ? part.slice(cut + 1) : part;
      const n = Number(text);
      if (text === '' || !Number.isFinite(n) || n < 0)
        throw new InputError(`${flag} takes a non-negative number or output:number, got '${part}'`);
      if (name === undefined) spec.value = n;
      else spec.outputs[name] = n;
    }
    return spec;
  };
}

export function addComparisonOptions(cmd: Command, overrides = 'overrides manifests'): Command {
  return cmd
    .option(
      '--atol <x>',
      `absolute tolerance: a value for every output (${overrides}) and/or output:value for one output; repeatable or comma-separated`,
      collectTolerance('--atol'),
    )
    .option(
      '--rtol <x>',
      `relative tolerance, as --atol (e.g. --rtol 1e-3 --rtol logits:1e-2)`,
      collectTolerance('--rtol'),
    )
    .addOption(
      new Option(
        '--check-error-stat <stat>',
        'what the tolerance bounds: elemwise (every element, numpy.allclose), or the max, mean or median of the errors (passes when that statistic of the absolute errors is within atol or of the relative errors within rtol)',
      )
        .choices([...ERROR_STATS])
        .default(undefined),
    )
    .option(
      '--validate',
      'flag NaN/infinite values and all-zero outputs, with or without a reference (exit 1 when any is found)',
    )
    .option(
      '--save-outputs <file.npz>',
      'write the inputs used and the outputs to an .npz that --inputs reads (keys: input and output names); one model; with several backends one file per backend, <file>.<backend>.npz',
    );
}

/** The command line's tolerances as a verify override. */
export function toleranceOverride(v: ComparisonValues): ToleranceOverride {
  const outputs = new Map<string, { atol?: number; rtol?: number }>();
  for (const [name, atol] of Object.entries(v.atol?.outputs ?? {})) outputs.set(name, { ...outputs.get(name), atol });
  for (const [name, rtol] of Object.entries(v.rtol?.outputs ?? {})) outputs.set(name, { ...outputs.get(name), rtol });
  return {
    ...(v.atol?.value !== undefined ? { atol: v.atol.value } : {}),
    ...(v.rtol?.value !== undefined ? { rtol: v.rtol.value } : {}),
    ...(v.checkErrorStat ? { stat: v.checkErrorStat } : {}),
    ...(outputs.size ? { outputs } : {}),
  };
}

/** Output names given tolerances that no model has: a typo is a usage error, not a silent no-op. */
export function checkToleranceNames(o: ToleranceOverride, outputNames: Set<string>): void {
  for (const name of o.outputs?.keys() ?? []) {
    if (!outputNames.has(name))
      throw new InputError(
        `--atol/--rtol name output '${name}', which no model has (outputs: ${[...outputNames].slice(0, 20).join(', ')})`,
      );
  }
}

/** Where `--save-outputs` writes each backend's file: the name itself for one backend, else <stem>.<backend>.npz. */
export function saveOutputsPath(file: string, backend: string, backends: number): string {
  if (backends <= 1) return file;
  const stem = file.endsWith('.npz') ? file.slice(0, -4) : file;
  return `${stem}.${backend}.npz`;
}
