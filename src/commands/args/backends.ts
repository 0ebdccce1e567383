/** The `--backend` option group (as Polygraphy's tools/args/ writes each group once): one declaration, one parser. */
import { Option, type Command } from 'commander';
import { BACKEND_IDS } from '../../backends/types.js';

export interface BackendOptionValues {
  backend: string;
}

/** `--backend <ids>`; `fallback` is the command's default (cpu for runs, all for listings). `aliases` are hidden old names. */
export function addBackendOption(cmd: Command, fallback: string, aliases: string[] = []): Command {
  cmd.option('--backend <ids>', `comma-separated backend ids (${BACKEND_IDS.join(', ')}) or all`, fallback);
  for (const alias of aliases) cmd.addOption(new Option(`${alias} <ids>`, 'alias of --backend').hideHelp());
  return cmd;
}

/** The `--backend` value, with a hidden alias (e.g. path's old `--to`) taking its place when given. */
export function backendValue(opts: BackendOptionValues & Record<string, unknown>, aliasKeys: string[] = []): string {
  for (const k of aliasKeys) if (typeof opts[k] === 'string') return opts[k] as string;
  return opts.backend;
}
