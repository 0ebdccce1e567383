import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { jsonText } from '../format/terminal.js';

/** A path to a regular .onnx file (not a bundled id, group or folder). */
function isOnnxFile(name: string): boolean {
  if (!name.toLowerCase().endsWith('.onnx')) return false;
  try {
    return statSync(name).isFile();
  } catch {
    return false;
  }
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      'describe an ONNX model: exporter (by fingerprint), producer, IR version, opsets, inputs/outputs, ops, parameters (a group or a folder of several: one row each)',
    )
    .argument(
      '<model>',
      'an .onnx file, a folder holding one, a bundled model id, or a group/folder of several (caffe2, models/pytorch)',
    )
    .option('--json', 'machine-readable output (an array for several models)')
    .addHelpText(
      'after',
      '\nExamples:\n  onnx-workbench inspect cntk/mnist-8\n  onnx-workbench inspect path/to/model.onnx --json\n  onnx-workbench inspect caffe2          # one row per model of the group',
    )
    .option('--show <what>', "'nodes': every node with its inputs and outputs (in file order)")
    .option('--attrs', "with --show nodes: each node's attributes too")
    .action(async (model: string, opts: { json?: boolean; show?: string; attrs?: boolean }) => {
      if (opts.show !== undefined && opts.show !== 'nodes')
        throw new (await import('../errors.js')).InputError(`--show takes 'nodes', got '${opts.show}'`);
      const { openModel } = await import('../onnx/openModel.js');
      const { summarize } = await import('../onnx/inspect.js');
      const { errorLine } = await import('../errors.js');
      const { attributeSummary, describeExporter } = await import('../scorecard/attribution.js');
      // An .onnx file is inspected as it is: the bundled catalog (every manifest, schema-checked) is
      // read only to resolve ids, groups and folders; it cost a third of a 256 MiB model's inspect.
      const targets = isOnnxFile(model)
        ? [{ id: model, modelPath: model }]
        : (await import('../models/catalog.js')).resolveTargets([model]);
      if (targets.length === 1) {
        // Streamed: the weights are hashed as they pass, never held (peak memory is the graph's size).
        const opened = openModel(targets[0]!.modelPath);
        const s = summarize(opened);
        const exporter = attributeSummary(s);
        if (opts.show === 'nodes') {
          const { listNodes } = await import('../onnx/attributes.js');
          const nodes = listNodes(opened.proto);
          if (opts.json) {
            console.log(
              jsonText(
                nodes.map((n) => (opts.attrs ? n : { ...n, attributes: undefined })),
                null,
                2,
              ),
            );
            return;
          }
          const { renderNodes } = await import('../format/nodes.js');
          const { terminalWidth, safeText } = await import('../format/terminal.js');
          console.log(`${safeText(s.path)}: ${nodes.length} nodes`);
          console.log(renderNodes(nodes, terminalWidth(), Boolean(opts.attrs)));
          return;
        }
        if (opts.json) {
          console.log(jsonText({ ...s, exporter }, null, 2));
          return;
        }
        const { renderInspect } = await import('../format/inspect.js');
        console.log(renderInspect(s, describeExporter(exporter)));
        return;
      }
      // A folder or group of several: every model, the same way; a bad file costs only its own row.
      const rows = [];
      const failed: Array<{ id: string; error: string }> = [];
      for (const t of targets) {
        try {
          rows.push({ id: t.id, summary: summarize(openModel(t.modelPath)) });
        } catch (e) {
          failed.push({ id: t.id, error: errorLine(e) });
        }
      }
      if (opts.json) {
        console.log(jsonText([...rows.map((r) => r.summary), ...failed], null, 2));
      } else {
        const { inspectTable } = await import('../format/inspect.js');
        const { safeText } = await import('../format/terminal.js');
        console.log(inspectTable(rows));
        const { paragraph } = await import('../format/table.js');
        const { terminalWidth } = await import('../format/terminal.js');
        console.log(
          paragraph(
            `${targets.length} models under '${model}'${failed.length ? `, ${failed.length} unreadable` : ''}; inspect one for its inputs, outputs and ops: onnx-workbench inspect ${targets[0]!.id}`,
            terminalWidth(),
          ),
        );
        for (const f of failed) process.stderr.write(`${safeText(f.id)}: ${safeText(f.error)}\n`);
      }
      if (failed.length) process.exitCode = 1;
    });
}
