import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../src/models/catalog.js';
import { loadModel } from '../src/onnx/model.js';
import { summarize } from '../src/onnx/inspect.js';
import {
  describeAttribution,
  fingerprint,
  type FingerprintInput,
  type FingerprintRule,
} from '../src/onnx/fingerprint.js';
import { loadRegistry } from '../src/scorecard/data.js';
import { attributeSummary, describeExporter } from '../src/scorecard/attribution.js';
import { onnx } from '../src/onnx/proto.js';
import { runCli, parseJsonOutput } from './helpers/cli.js';

const registry = loadRegistry();
const rules = registry.fingerprints ?? [];

/** What a file says, for the pure function: an empty model unless told otherwise. */
const input = (over: Partial<FingerprintInput>): FingerprintInput => ({
  producerName: '',
  producerVersion: '',
  graphName: '',
  docString: '',
  graphDocString: '',
  domain: '',
  metadata: {},
  opsets: [{ domain: 'ai.onnx', version: 13 }],
  ...over,
});

/** A real one-node ONNX file carrying the given exporter marks (made in-test with protobufjs). */
function modelBytes(o: {
  producerName?: string;
  producerVersion?: string;
  graphName?: string;
  domain?: string;
  metadata?: Record<string, string>;
}): Uint8Array {
  const vi = (name: string) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: o.producerName ?? '',
    producerVersion: o.producerVersion ?? '',
    domain: o.domain ?? '',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: o.graphName ?? '',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      input: [vi('x')],
      output: [vi('y')],
    },
  }).finish();
}

describe('exporter fingerprints: the bundled models', () => {
  const catalog = loadCatalog().filter((e) => !e.manifest.id.startsWith('zoo/'));

  it("attributes every bundled model to its manifest's framework", () => {
    const wrong = catalog
      .map((e) => ({
        id: e.manifest.id,
        want: e.manifest.framework,
        got: attributeSummary(summarize(loadModel(e.modelPath))),
      }))
      .filter((x) => x.got.framework !== x.want)
      .map((x) => `${x.id}: ${x.got.framework} (want ${x.want})`);
    // Two files of onnx/onnx's pytorch-converted folder were not written by PyTorch (producer_name
    // `model`, graph `graph`, opset 12): the fingerprint says so, and their manifests note it.
    expect(wrong).toEqual([
      'pytorch/pytorch-converted/test_MaxPool1d_stride_padding_dilation: unknown (want pytorch)',
      'pytorch/pytorch-converted/test_MaxPool2d_stride_padding_dilation: unknown (want pytorch)',
    ]);
    for (const id of ['test_MaxPool1d_stride_padding_dilation', 'test_MaxPool2d_stride_padding_dilation']) {
      expect(catalog.find((e) => e.manifest.id === `pytorch/pytorch-converted/${id}`)!.manifest.notes).toMatch(
        /does not carry PyTorch's fingerprint/,
      );
    }
    expect(catalog.length).toBeGreaterThanOrEqual(140);
  });

  it('recognises MXNet, which writes no producer_name, by its graph name', () => {
    const a = attributeSummary(
      summarize(loadModel(catalog.find((e) => e.manifest.id === 'mxnet/crazyara_tic_tac_toe_bsize1')!.modelPath)),
    );
    expect(a).toMatchObject({ framework: 'mxnet', tool: 'mx2onnx', version: null, confidence: 'medium' });
    expect(a.signals.map((s) => [s.field, s.strength])).toEqual([
      ['graph_name', 'strong'],
      ['producer_name', 'weak'],
    ]);
    expect(describeExporter(a)).toBe(
      'exporter: MXNet (mx2onnx), by graph name `mxnet_converted_model`, with empty producer_name; MXNet writes no producer_name (confidence medium)',
    );
  });

  it('names the signals and the version for CNTK, PaddlePaddle, Chainer', () => {
    const at = (id: string) =>
      attributeSummary(summarize(loadModel(catalog.find((e) => e.manifest.id === id)!.modelPath)));
    expect(at('cntk/mnist-8')).toMatchObject({ framework: 'cntk', version: '2.5.1', confidence: 'high' });
    expect(at('cntk/mnist-8').signals.map((s) => s.describe)).toEqual([
      'producer_name `CNTK`',
      'graph name `CNTKGraph`',
      'model domain `ai.cntk`',
    ]);
    expect(at('paddlepaddle/picodet_s_320_coco')).toMatchObject({
      framework: 'paddlepaddle',
      tool: 'paddle2onnx',
      confidence: 'high',
    });
    expect(at('chainer/menoh_java_mlp')).toMatchObject({
      framework: 'chainer',
      tool: 'onnx-chainer',
      version: '4.3.0',
    });
    expect(at('pytorch/fresh-gru')).toMatchObject({
      framework: 'pytorch',
      tool: 'torch.onnx TorchScript exporter',
      version: '1.13.0',
    });
  });
});

describe('exporter fingerprints: synthetic files of other exporters', () => {
  const cases: [string, Partial<FingerprintInput>, string, string][] = [
    ['another MXNet export (no producer name)', { graphName: 'mxnet_converted_model' }, 'mxnet', 'mx2onnx'],
    [
      'a PaddleOCR export from the C++ paddle2onnx (no producer name)',
      { graphName: 'Model from PaddlePaddle.' },
      'paddlepaddle',
      'paddle2onnx',
    ],
    ['a newer paddle2onnx export', { graphName: 'PaddlePaddle Graph 0' }, 'paddlepaddle', 'paddle2onnx'],
    ['htshinichi/caffe-onnx', { producerName: 'htshinichi', graphName: 'lenet' }, 'caffe', 'htshinichi/caffe-onnx'],
    ['asiryan/caffe2onnx', { producerName: 'caffe', graphName: 'squeezenet' }, 'caffe', 'asiryan/caffe2onnx'],
    [
      'keras2onnx',
      { producerName: 'keras2onnx', producerVersion: '1.7.0', graphName: 'sequential' },
      'tensorflow',
      'keras2onnx',
    ],
    [
      'tf2onnx',
      { producerName: 'tf2onnx', producerVersion: '1.16.1 15c810', graphName: 'tf2onnx' },
      'tensorflow',
      'tf2onnx',
    ],
    ['onnxmltools', { producerName: 'OnnxMLTools', domain: 'onnxml' }, 'onnxmltools', 'onnxmltools'],
    ['skl2onnx', { producerName: 'skl2onnx', domain: 'ai.onnx' }, 'scikit-learn', 'skl2onnx'],
    [
      'the torch.onnx dynamo exporter',
      {
        producerName: 'pytorch',
        producerVersion: '2.9.0',
        graphName: 'main_graph',
        metadata: { 'pkg.torch.export.ExportedProgram.graph_signature': '...' },
      },
      'pytorch',
      'torch.onnx dynamo exporter',
    ],
    [
      'a newer TorchScript export',
      { producerName: 'pytorch', producerVersion: '2.1.0', graphName: 'main_graph' },
      'pytorch',
      'torch.onnx TorchScript exporter',
    ],
    [
      'onnx-chainer',
      { producerName: 'Chainer', producerVersion: '7.8.1', graphName: 'Graph' },
      'chainer',
      'onnx-chainer',
    ],
    ['CNTK', { producerName: 'CNTK', producerVersion: '2.7', graphName: 'CNTKGraph' }, 'cntk', 'CNTK built-in export'],
    ['Caffe2', { producerName: 'onnx-caffe2', graphName: 'resnet50' }, 'caffe2', 'caffe2.python.onnx, onnx-caffe2'],
  ];
  for (const [what, over, framework, tool] of cases) {
    it(`recognises ${what}`, () => {
      expect(fingerprint(input(over), rules)).toMatchObject({ framework, tool });
    });
  }

  it('says unknown, with the fields it saw, for a file no fingerprint matches', () => {
    const a = fingerprint(input({ producerName: 'my-tool', producerVersion: '0.1', graphName: 'g' }), rules);
    expect(a).toMatchObject({ framework: 'unknown', tool: 'unknown', confidence: 'none', signals: [] });
    expect(describeAttribution(a)).toBe(
      'exporter: unknown; no fingerprint in the registry matches (producer_name `my-tool` 0.1; graph name `g`; opsets ai.onnx 13)',
    );
  });

  it('does not attribute on a weak signal alone (an empty producer_name, a graph called Graph)', () => {
    expect(fingerprint(input({}), rules).framework).toBe('unknown');
    expect(fingerprint(input({ graphName: 'Graph' }), rules).framework).toBe('unknown');
  });

  it('takes the highest score and lists a conflicting rule as an alternative', () => {
    const a = fingerprint(input({ producerName: 'pytorch', graphName: 'mxnet_converted_model' }), rules);
    expect(a.framework).toBe('pytorch');
    expect(a.alternatives.map((x) => x.framework)).toContain('mxnet');
    const tie: FingerprintRule[] = [
      {
        framework: 'a',
        tool: 'ta',
        version: 'none',
        signals: [{ field: 'graph_name', match: 'equals', value: 'g', strength: 'strong' }],
        sources: 'unknown',
      },
      {
        framework: 'b',
        tool: 'tb',
        version: 'none',
        signals: [
          { field: 'graph_name', match: 'equals', value: 'g', strength: 'strong' },
          { field: 'producer_name', match: 'empty', strength: 'weak' },
        ],
        sources: 'unknown',
      },
    ];
    expect(fingerprint(input({ graphName: 'g' }), tie).framework).toBe('b');
  });
});

describe("the registry's fingerprints", () => {
  it('cite a source for every rule (a URL, or "unknown" said as such)', () => {
    expect(rules.length).toBeGreaterThanOrEqual(13);
    for (const r of rules) {
      expect(r.sources === 'unknown' || (r.sources.length > 0 && r.sources.every((u) => /^https?:\/\//.test(u)))).toBe(
        true,
      );
    }
  });

  it('cover every producer_name the registry lists for an exporter', () => {
    for (const e of registry.frameworks) {
      if (!Array.isArray(e.export.producerNames)) continue;
      for (const name of e.export.producerNames) {
        expect(fingerprint(input({ producerName: name }), rules).framework, `${e.id} ${name}`).toBe(e.id);
      }
    }
  });
});

describe('inspect shows the exporter', () => {
  it('names the framework and the signal for a user file, in text and --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-inspect-'));
    try {
      const file = join(dir, 'resnet18-v1-7.onnx');
      writeFileSync(file, modelBytes({ graphName: 'mxnet_converted_model' }));
      const text = await runCli(['inspect', file]);
      expect(text.code).toBe(0);
      expect(text.stdout.replace(/\n +/g, ' ')).toMatch(
        /^exporter: MXNet \(mx2onnx\), by graph name `mxnet_converted_model`, with empty producer_name; MXNet writes no producer_name/m,
      );
      const json = parseJsonOutput<{
        exporter: {
          framework: string;
          tool: string;
          version: string | null;
          signals: { field: string; strength: string }[];
          confidence: string;
        };
      }>(await runCli(['inspect', file, '--json']));
      expect(json.exporter).toMatchObject({ framework: 'mxnet', tool: 'mx2onnx', version: null, confidence: 'medium' });
      expect(json.exporter.signals[0]).toMatchObject({ field: 'graph_name', strength: 'strong' });
      const caffe = join(dir, 'caffe.onnx');
      writeFileSync(caffe, modelBytes({ producerName: 'htshinichi', graphName: 'lenet' }));
      expect((await runCli(['inspect', caffe])).stdout).toMatch(
        /^exporter: Caffe \(htshinichi\/caffe-onnx\), by producer_name `htshinichi`/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
