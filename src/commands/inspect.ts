import type { Command } from 'commander';
import { bytes } from '../format/numbers.js';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('describe an ONNX model: exporter (by fingerprint), producer, IR version, opsets, inputs/outputs, ops, parameters')
    .argument('<model>', 'an .onnx file, a folder holding one, or a bundled model id')
    .option('--json', 'machine-readable output')
    .option('--show <what>', "'nodes': every node with its inputs and outputs (in file order)")
    .option('--attrs', 'with --show nodes: each node\'s attributes too')
    .action(async (model: string, opts: { json?: boolean; show?: string; attrs?: boolean }) => {
      if (opts.show !== undefined && opts.show !== 'nodes') throw new (await import('../errors.js')).InputError(`--show takes 'nodes', got '${opts.show}'`);
      const { openModel } = await import('../onnx/openModel.js');
      const { summarize } = await import('../onnx/inspect.js');
      const { resolveTargets } = await import('../models/catalog.js');
      const [target] = resolveTargets([model]);
      const { attributeSummary, describeExporter } = await import('../scorecard/attribution.js');
      // Streamed: the weights are hashed as they pass, never held (peak memory is the graph's size).
      const opened = openModel(target!.modelPath);
      const s = summarize(opened);
      const exporter = attributeSummary(s);
      if (opts.show === 'nodes') {
        const { listNodes } = await import('../onnx/attributes.js');
        const nodes = listNodes(opened.proto);
        if (opts.json) { console.log(JSON.stringify(nodes.map((n) => (opts.attrs ? n : { ...n, attributes: undefined })), null, 2)); return; }
        const { renderNodes } = await import('../format/nodes.js');
        const { terminalWidth } = await import('../format/terminal.js');
        console.log(`${s.path}: ${nodes.length} nodes`);
        console.log(renderNodes(nodes, terminalWidth(), Boolean(opts.attrs)));
        return;
      }
      if (opts.json) { console.log(JSON.stringify({ ...s, exporter }, null, 2)); return; }
      const port = (p: { name: string; elemType: string; shape: unknown[] | null }) => `  ${p.name}: ${p.elemType} ${p.shape ? `[${p.shape.join(', ')}]` : '(shape unknown)'}`;
      console.log([
        `model        ${s.path}`,
        `producer     ${s.producerName || '(none)'} ${s.producerVersion}`,
        `graph        ${s.graphName || '(no name)'}`,
        describeExporter(exporter),
        `IR version   ${s.irVersion}`,
        `opsets       ${s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ') || '(none)'}`,
        `inputs`, ...s.inputs.map(port),
        `outputs`, ...s.outputs.map(port),
        `nodes        ${s.nodeCount}`,
        `ops          ${Object.entries(s.opCounts).map(([k, v]) => `${k}×${v}`).join(', ')}`,
        `parameters   ${s.parameterCount.toLocaleString('en-US')} (${bytes(s.parameterBytes)})`,
        `file         ${bytes(s.sizeBytes)}, sha256 ${s.sha256}`,
        ...(Object.keys(s.metadata).length ? [`metadata     ${Object.entries(s.metadata).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
        ...(s.externalData.length ? [`external data`, ...s.externalData.map((e) => `  ${e.tensor} -> ${e.location}`)] : []),
      ].join('\n'));
    });
}
