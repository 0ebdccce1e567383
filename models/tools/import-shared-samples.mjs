#!/usr/bin/env node
// Copies the real framework exports from ../shared/samples into models/<framework>/<name>/ and writes
// a manifest.json beside each one with its provenance (from shared/samples/README.md), sha256,
// the producer_name read from the file, reference data and tolerances.
// Usage (after npm run build): node models/tools/import-shared-samples.mjs [../shared/samples]
// Expected outcomes start as "pass" (or "no-reference"); known load failures are then recorded
// from a real run with models/tools/record-expectations.mjs.
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel } from '../../dist/onnx/model.js';
import { summarize } from '../../dist/onnx/inspect.js';

const samples = resolve(process.argv[2] ?? join(import.meta.dirname, '../../../shared/samples'));
const out = resolve(import.meta.dirname, '..');
const TOL = { atol: 1e-4, rtol: 1e-3 };

const onnxRepo = (path) => ({ repository: 'onnx/onnx', commit: 'f7546912', path });
const entries = [
  {
    from: 'cntk/mnist-8', framework: 'cntk', exporter: 'CNTK built-in ONNX export (CNTK 2.5.1)', licence: 'MIT',
    source: { repository: 'microsoft/onnxruntime-inference-examples', commit: '428b0399', path: 'c_cxx/MNIST/mnist.onnx' },
    dataSource: { repository: 'microsoft/onnxjs', commit: 'bb985d51', path: 'test/data/mnist/test_data_set_0/' },
    reference: { kind: 'exporter', format: 'test_data_set', path: 'test_data_set_0', note: 'test_data_set_0 of the ONNX model zoo mnist-8, produced at export by CNTK' },
    notes: 'Byte-identical to the ONNX model zoo mnist-8.onnx.',
  },
  ...['bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'vgg19', 'zfnet512'].map((net) => ({
    from: `caffe2/light-${net}`, framework: 'caffe2', exporter: 'caffe2.python.onnx (onnx-caffe2), weights replaced by ConstantOfShape by the ONNX project', licence: 'Apache-2.0',
    source: onnxRepo(`onnx/backend/test/data/light/light_${net}.onnx`),
    reference: { kind: 'onnx-reference', format: 'test_data_set', path: 'test_data_set_0', note: 'expected output from the ONNX reference evaluator for the input arange(n)/n; the topology is Caffe2\'s but the outputs are not Caffe2\'s' },
    inputRecipe: { kind: 'arange' },
  })),
  {
    from: 'caffe2/squeezenet-fp16', framework: 'caffe2', exporter: 'caffe2.python.onnx (onnx-caffe2), converted to float16 afterwards', licence: 'MIT',
    source: { repository: 'microsoft/Windows-Machine-Learning', commit: '155b5eeb', path: 'SharedContent/models/SqueezeNet_fp16.onnx' },
    reference: { kind: 'none', format: 'none', note: 'no reference outputs: inputs are generated (seeded float16); other backends are compared with the cpu backend' },
    inputRecipe: { kind: 'random', seed: 0 },
  },
  {
    from: 'pytorch/super-resolution-pt0.2', framework: 'pytorch', exporter: 'torch.onnx.export (PyTorch 0.2)', licence: 'Apache-2.0',
    source: { repository: 'onnx/tutorials', commit: 'f9c135a9', path: 'tutorials/assets/super_resolution.onnx' },
    reference: { kind: 'none', format: 'none' },
    inputRecipe: { kind: 'random', seed: 0 },
  },
  {
    from: 'pytorch/bidi-lstm-pt1.5', framework: 'pytorch', exporter: 'torch.onnx.export (PyTorch 1.5)', licence: 'Apache-2.0 OR MIT',
    source: { repository: 'sonos/tract', commit: '38b383fb', path: 'onnx/test_cases/byte_sb_bidi_lstm/' },
    reference: { kind: 'onnxruntime', format: 'npz', path: 'io.npz', inputs: { input: 'input' }, outputs: { output: 'Add_26' }, note: 'outputs computed with an older onnxruntime, not PyTorch' },
  },
  {
    from: 'tensorflow/keras-dense-tf2onnx', framework: 'tensorflow', exporter: 'tf2onnx 1.13.0 (Keras model)', licence: 'Apache-2.0 OR MIT',
    source: { repository: 'sonos/tract', commit: '38b383fb', path: 'examples/keras-tract-tf2/' },
    reference: { kind: 'exporter', format: 'npz', path: 'io.npz', inputs: { main_input_input: 'input' }, outputs: { dense_1: 'output' }, note: 'the Keras model\'s own prediction' },
  },
];
for (const group of ['pytorch-converted', 'pytorch-operator']) {
  for (const name of readdirSync(join(samples, 'pytorch', group)).sort()) {
    entries.push({
      from: `pytorch/${group}/${name}`, framework: 'pytorch', exporter: 'torch.onnx.export (PyTorch 0.3/0.4)', licence: 'Apache-2.0',
      source: onnxRepo(`onnx/backend/test/data/${group}/${name}/model.onnx`),
      reference: { kind: 'exporter', format: 'test_data_set', path: 'test_data_set_0', note: 'PyTorch\'s own outputs, from the ONNX backend test data' },
    });
  }
}

for (const e of entries) {
  const src = join(samples, e.from);
  const dst = join(out, e.from);
  mkdirSync(dst, { recursive: true });
  cpSync(src, dst, { recursive: true });
  const s = summarize(loadModel(join(dst, 'model.onnx')));
  const manifest = {
    id: e.from, framework: e.framework, exporter: e.exporter, expectedProducer: s.producerName, file: 'model.onnx', sha256: s.sha256,
    source: e.source, ...(e.dataSource ? { dataSource: e.dataSource } : {}), licence: e.licence, reference: e.reference,
    ...(e.inputRecipe ? { inputRecipe: e.inputRecipe } : {}), tolerance: TOL,
    expected: { status: e.reference.kind === 'none' ? 'no-reference' : 'pass' },
    ...(e.notes ? { notes: e.notes } : {}),
  };
  writeFileSync(join(dst, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
console.log(`imported ${entries.length} models into ${out}`);
if (!existsSync(join(out, 'cntk/mnist-8/manifest.json'))) process.exit(1);
