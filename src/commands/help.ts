/**
 * `--help` in the order a user works: find a model, check backends, verify, measure, diagnose, keep
 * evidence, report, score. The top-level help lists the commands in that order (cli.ts registers them
 * in it) under a short workflow map; each main command's help ends with examples. Every line of text
 * here fits 80 columns.
 */
import type { Command } from 'commander';

/** The commands in workflow order, each step with its commands. */
export const WORKFLOW: { step: string; commands: string[] }[] = [
  { step: 'find a model', commands: ['models', 'zoo', 'inspect'] },
  { step: 'check backends', commands: ['backends'] },
  { step: 'verify', commands: ['verify', 'conformance', 'path'] },
  { step: 'measure', commands: ['bench'] },
  { step: 'diagnose', commands: ['bisect'] },
  { step: 'keep evidence', commands: ['evidence', 'serve'] },
  { step: 'report', commands: ['report'] },
  { step: 'score', commands: ['frameworks', 'scores', 'refresh'] },
];

export const COMMAND_ORDER: string[] = WORKFLOW.flatMap((s) => s.commands);

/** Examples per command: [command line, what it shows]. */
export const EXAMPLES: Record<string, [string, string][]> = {
  '': [
    ['onnx-workbench models', 'the bundled models'],
    ['onnx-workbench backends', 'which backends run here, and why not'],
    ['onnx-workbench verify cntk/mnist-8', 'one model: a block per output'],
    ['onnx-workbench verify caffe2 --backend cpu,wasm', 'a model x backend matrix'],
    ['onnx-workbench bench mnist-8 --format markdown', 'pasteable latency'],
    ['onnx-workbench bisect caffe2/light-squeezenet --backend browser-webgpu', 'the first divergent node'],
    ['onnx-workbench report && xdg-open report/index.html', 'the HTML report'],
    ['onnx-workbench refresh', 'the ONNX column from the evidence'],
  ],
  models: [['onnx-workbench models --json', 'every bundled model as JSON']],
  inspect: [
    ['onnx-workbench inspect cntk/mnist-8', 'exporter, opsets, inputs, ops'],
    ['onnx-workbench inspect model.onnx --show nodes', 'every node'],
    ['onnx-workbench inspect caffe2', 'a group: one row per model'],
  ],
  backends: [
    ['onnx-workbench backends', 'all five, with the fix for each missing one'],
    ['onnx-workbench backends --backend webgpu --json', 'one backend, as JSON'],
  ],
  verify: [
    ['onnx-workbench verify', 'every bundled model on cpu'],
    ['onnx-workbench verify cntk/mnist-8 --backend all', 'one model everywhere'],
    ['onnx-workbench verify model.onnx --inputs data.npz', 'your export, your data'],
    ['onnx-workbench verify /usr/share/libonnx-testdata/data/node', 'a test suite'],
    ['onnx-workbench verify caffe2 --format markdown', 'pasteable results'],
  ],
  conformance: [
    [
      'onnx-workbench conformance /usr/share/libonnx-testdata/data/node --backend all',
      'every case on all five backends (slow on software WebGPU)',
    ],
    ['onnx-workbench conformance --from-evidence', 'the suite view of the records'],
  ],
  bench: [
    ['onnx-workbench bench cntk/mnist-8 --backend cpu,wasm', 'latency, two backends'],
    ['onnx-workbench bench caffe2 --iterations 50 --csv', 'one CSV row each'],
  ],
  bisect: [
    ['onnx-workbench bisect caffe2/light-squeezenet --backend browser-webgpu', 'against cpu'],
    ['onnx-workbench bisect model.onnx --backend webgpu --extract node-out', ''],
  ],
  report: [
    ['onnx-workbench report', 'write report/index.html from ./evidence'],
    ['onnx-workbench report --evidence-dir ev --out site', 'other folders'],
  ],
  serve: [['onnx-workbench serve', 'then open http://127.0.0.1:8787/ in a browser']],
  scores: [
    ['onnx-workbench scores', 'the corrected view'],
    ['onnx-workbench scores --as-published --format markdown', 'as labelled'],
  ],
  refresh: [
    ['onnx-workbench refresh', 'from ./evidence, strict policy, corrected view'],
    ['onnx-workbench refresh --policy documented --format markdown', ''],
  ],
  frameworks: [
    ['onnx-workbench frameworks', 'all 13 with their ONNX export and import'],
    ['onnx-workbench frameworks tensorflow --json', 'one, with its sources'],
  ],
  evidence: [
    ['onnx-workbench evidence list', 'the records, newest first'],
    ['onnx-workbench evidence show <id>', 'one record: every result'],
  ],
  zoo: [
    ['onnx-workbench zoo list', 'the curated zoo models'],
    ['onnx-workbench zoo pull mnist-8 && onnx-workbench zoo verify mnist-8', ''],
  ],
};

/** Examples as help text: the command, and what it shows on the line below when it is long. */
export function examplesText(examples: [string, string][]): string {
  const lines = ['', 'Examples:'];
  // Comments aligned after the commands when every line fits 80 columns, else each above its command.
  const column = Math.max(...examples.map(([cmd]) => cmd.length));
  const aligned = examples.every(([, what]) => !what || column + what.length + 6 <= 80);
  for (const [cmd, what] of examples) {
    if (!what) lines.push(`  ${cmd}`);
    else if (aligned) lines.push(`  ${cmd.padEnd(column)}  # ${what}`);
    else lines.push(`  # ${what}`, `  ${cmd}`);
  }
  return lines.join('\n');
}

/** One line per command in the top-level list (the full description stays in the command's own --help). */
export const SUMMARIES: Record<string, string> = {
  models: 'the bundled models: framework, producer, reference, expected outcome',
  zoo: 'the ONNX model zoo as a source: list, pull (verified), verify',
  inspect: 'describe an ONNX model: exporter, opsets, inputs/outputs, ops',
  backends: 'which backends run here (cpu, wasm, webgpu, browser-*), why not, the fix',
  verify: "run models, compare with the exporter's outputs and across backends",
  conformance: 'every case of a test suite per backend: what passes on cpu, fails elsewhere',
  path: 'prototype-to-deploy verdict: framework -> ONNX -> backend, step by step',
  bench: 'latency (median with 95% CI, p90, p99), start-up, memory, GFLOP/s',
  bisect: 'the first node whose output differs between two backends',
  evidence: 'the evidence records written by verify, bench and serve',
  serve: 'a runner page: verify models in your own browser, results as evidence',
  report: 'the HTML report from the evidence (corrected view, ONNX refreshed)',
  frameworks: "the 13 frameworks' ONNX export/import, with sources and evidence",
  scores: "the article's scorecard recomputed (corrected view by default)",
  refresh: 'the ONNX column from the evidence (corrected view by default)',
};

export function workflowText(): string {
  const rows = WORKFLOW.map((s, i) => `  ${i + 1}. ${s.step.padEnd(15)} ${s.commands.join(', ')}`);
  return ['', 'Workflow (the commands above are in this order):', ...rows, examplesText(EXAMPLES['']!)].join('\n');
}

/** Put the commands in workflow order and attach the workflow map and every command's examples. */
export function addWorkflowHelp(program: Command): void {
  const rank = (c: Command) => {
    const i = COMMAND_ORDER.indexOf(c.name());
    return i < 0 ? COMMAND_ORDER.length : i;
  };
  const sorted = [...program.commands].sort((a, b) => rank(a) - rank(b));
  (program.commands as Command[]).splice(0, program.commands.length, ...sorted);
  program.addHelpText('after', workflowText());
  for (const c of program.commands) {
    const summary = SUMMARIES[c.name()];
    if (summary && !c.summary()) c.summary(summary);
    const ex = EXAMPLES[c.name()];
    if (ex) c.addHelpText('after', examplesText(ex));
  }
}
