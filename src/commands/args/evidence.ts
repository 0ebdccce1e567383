/** The evidence option group: `--evidence-dir` everywhere (reading and writing), `--no-evidence` where records are written. */
import { Option, type Command } from 'commander';

export const EVIDENCE_DIR_HELP = 'evidence directory (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)';

export interface EvidenceValues {
  evidence: boolean;
  evidenceDir?: string;
}

/** `--evidence-dir <dir>` (and hidden aliases, e.g. `--dir` of `evidence list`). */
export function addEvidenceDirOption(cmd: Command, help = EVIDENCE_DIR_HELP, aliases: string[] = []): Command {
  cmd.option('--evidence-dir <dir>', help);
  for (const alias of aliases) cmd.addOption(new Option(`${alias} <dir>`, 'alias of --evidence-dir').hideHelp());
  return cmd;
}

/** `--no-evidence` and `--evidence-dir`, for commands that write a record. */
export function addEvidenceOptions(cmd: Command): Command {
  cmd.option('--no-evidence', 'do not write an evidence record');
  return addEvidenceDirOption(cmd, 'where evidence records go (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)');
}

/** The evidence folder named by `--evidence-dir` or an alias, if any. */
export function evidenceDirValue(
  opts: { evidenceDir?: string } & Record<string, unknown>,
  aliasKeys: string[] = [],
): string | undefined {
  if (opts.evidenceDir) return opts.evidenceDir;
  for (const k of aliasKeys) if (typeof opts[k] === 'string') return opts[k] as string;
  return undefined;
}
