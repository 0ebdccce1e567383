/** The inputs option group: where a model's inputs (and reference outputs) come from. */
import type { Command } from 'commander';
import { collectDims, parseInteger } from '../options.js';

export interface ModelInputOptions {
  inputs?: string;
  dim?: Record<string, number>;
  seed?: number;
  /** A manifest for the one model given, trusted because the user names it (a manifest beside a model is not). */
  manifest?: string;
}

export function addModelInputOptions(
  cmd: Command,
  inputsHelp = 'input data for a model file: an .npz or a test_data_set_N folder',
): Command {
  return cmd
    .option('--inputs <path>', inputsHelp)
    .option(
      '--manifest <path>',
      'a manifest.json for the one model given (manifests beside user models are not trusted)',
    )
    .option('--dim <name=value>', 'value of a symbolic dimension for generated inputs (repeatable)', collectDims)
    .option(
      '--seed <n>',
      'seed for generated random inputs (default 0; reported as ignored when the inputs come from data)',
      parseInteger('--seed'),
    );
}
