#!/usr/bin/env node
/**
 * The onnx-workbench command line: a thin layer over the library. Each command lives in
 * src/commands/ and imports its heavy modules lazily, so `--help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { WorkbenchError, errorLine } from './errors.js';
import { packageVersion } from './util/version.js';
import { safeLines, safeText } from './format/terminal.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerModelsCommand } from './commands/models.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerBackendsCommand } from './commands/backends.js';
import { registerEvidenceCommand } from './commands/evidence.js';
import { registerBisectCommand } from './commands/bisect.js';
import { registerZooCommand } from './commands/zoo.js';
import { registerScoresCommand } from './commands/scores.js';
import { registerFrameworksCommand } from './commands/frameworks.js';
import { registerRefreshCommand } from './commands/refresh.js';
import { registerPathCommand } from './commands/path.js';
import { registerReportCommand } from './commands/report.js';
import { registerServeCommand } from './commands/serve.js';
import { registerBenchCommand } from './commands/bench.js';
import { addWorkflowHelp } from './commands/help.js';

export function buildProgram(): Command {
  const program = new Command('onnx-workbench')
    .description(
      "Verify ONNX interchange: load real framework exports into onnxruntime (CPU, WASM, WebGPU), compare with the exporter's outputs, score frameworks.",
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    // commander echoes what the user typed: no control character of it reaches the terminal raw
    .configureOutput({
      writeErr: (str) => process.stderr.write(safeLines(str)),
      writeOut: (str) => process.stdout.write(safeLines(str)),
    })
    .exitOverride();
  registerModelsCommand(program);
  registerInspectCommand(program);
  registerBackendsCommand(program);
  registerVerifyCommand(program);
  registerBenchCommand(program);
  registerBisectCommand(program);
  registerPathCommand(program);
  registerEvidenceCommand(program);
  registerReportCommand(program);
  registerServeCommand(program);
  registerScoresCommand(program);
  registerFrameworksCommand(program);
  registerRefreshCommand(program);
  registerZooCommand(program);
  registerConformanceCommand(program);
  addWorkflowHelp(program); // workflow order, the workflow map, examples per command
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2; // help/version print and exit 0; usage errors are 2
    }
    process.stderr.write(`onnx-workbench: ${safeText(errorLine(e))}\n`);
    if (e instanceof WorkbenchError) return e.exitCode;
    if (process.env.ONNX_WORKBENCH_DEBUG) console.error(e);
    return 2;
  }
}

const code = await main(process.argv);
process.exitCode = code;
