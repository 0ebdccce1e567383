/**
 * The scoring option group of the commands that score frameworks from evidence (`refresh`, `report`,
 * `frameworks`): the refresh policy and the evidence folder, each declared once with one default.
 */
import { Option, type Command } from 'commander';
import { addEvidenceDirOption } from './evidence.js';

export type RefreshPolicy = 'strict' | 'documented';

export interface ScoringValues {
  policy: RefreshPolicy;
  evidenceDir?: string;
}

export const SCORING_EVIDENCE_HELP =
  'evidence directory (default ./evidence or $ONNX_WORKBENCH_EVIDENCE; the shipped snapshot when it holds none)';

/** `--evidence-dir` as the scoring commands read it (the shipped snapshot stands in for an empty folder). */
export function addScoringEvidenceOption(cmd: Command): Command {
  return addEvidenceDirOption(cmd, SCORING_EVIDENCE_HELP);
}

/** `--policy` (strict by default) and `--evidence-dir`. */
export function addScoringOptions(cmd: Command): Command {
  cmd.addOption(
    new Option('--policy <policy>', 'strict: only verified exports count; documented: documented levels count too')
      .choices(['strict', 'documented'])
      .default('strict'),
  );
  return addScoringEvidenceOption(cmd);
}
