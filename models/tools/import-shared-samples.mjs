#!/usr/bin/env node
// Copies the real framework exports from ../shared/samples into models/<framework>/<name>/ and writes
// a manifest.json beside each one with its provenance (from shared/samples/README.md), sha256,
// the producer_name read from the file, reference data and tolerances.
// Usage (after npm run build): node models/tools/import-shared-samples.mjs [../shared/samples] [--only <prefix>]
// (--only mxnet imports just the models whose folder starts with that prefix: a full re-run rewrites
// every manifest and so forgets the expectations recorded from real runs).
// Expected outcomes start as "pass" (or "no-reference"); known load failures are then recorded
// from a real run with models/tools/record-expectations.mjs.
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel } from '../../dist/onnx/model.js';
import { summarize } from '../../dist/onnx/inspect.js';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
const samples = resolve(args[0] ?? join(import.meta.dirname, '../../../shared/samples'));
const out = resolve(import.meta.dirname, '..');
const TOL = { atol: 1e-4, rtol: 1e-3 };

const onnxRepo = (path) => ({ repository: 'onnx/onnx', commit: 'f7546912', path });
const entries = [
  {
    from: 'cntk/mnist-8',
    framework: 'cntk',
    exporter: 'CNTK built-in ONNX export (CNTK 2.5.1)',
    licence: 'MIT',
    source: {
      repository: 'microsoft/onnxruntime-inference-examples',
      commit: '428b0399',
      path: 'c_cxx/MNIST/mnist.onnx',
    },
    dataSource: { repository: 'microsoft/onnxjs', commit: 'bb985d51', path: 'test/data/mnist/test_data_set_0/' },
    reference: {
      kind: 'exporter',
      format: 'test_data_set',
      path: 'test_data_set_0',
      note: 'test_data_set_0 of the ONNX model zoo mnist-8, produced at export by CNTK',
    },
    notes:
      "Byte-identical to the ONNX model zoo mnist-8.onnx. test_data_set_1 and test_data_set_2 (the zoo's other test sets) come from pfnet-research/chainer-compiler @ 7d014a225f6da023f96d81f106b2d47306a1244b : data/mnist/test_data_set_1/, test_data_set_2/ (MIT), vendored there beside a byte-identical copy of the model.",
  },
  ...[
    'bvlc_alexnet',
    'densenet121',
    'inception_v1',
    'inception_v2',
    'resnet50',
    'shufflenet',
    'squeezenet',
    'vgg19',
    'zfnet512',
  ].map((net) => ({
    from: `caffe2/light-${net}`,
    framework: 'caffe2',
    exporter: 'caffe2.python.onnx (onnx-caffe2), weights replaced by ConstantOfShape by the ONNX project',
    licence: 'Apache-2.0',
    source: onnxRepo(`onnx/backend/test/data/light/light_${net}.onnx`),
    reference: {
      kind: 'onnx-reference',
      format: 'test_data_set',
      path: 'test_data_set_0',
      note: "expected output from the ONNX reference evaluator for the input arange(n)/n; the topology is Caffe2's but the outputs are not Caffe2's",
    },
    inputRecipe: { kind: 'arange' },
  })),
  {
    from: 'caffe2/squeezenet-fp16',
    framework: 'caffe2',
    exporter: 'caffe2.python.onnx (onnx-caffe2), converted to float16 afterwards',
    licence: 'MIT',
    source: {
      repository: 'microsoft/Windows-Machine-Learning',
      commit: '155b5eeb',
      path: 'SharedContent/models/SqueezeNet_fp16.onnx',
    },
    reference: {
      kind: 'none',
      format: 'none',
      note: 'no reference outputs: inputs are generated (seeded float16); other backends are compared with the cpu backend',
    },
    inputRecipe: { kind: 'random', seed: 0 },
  },
  {
    from: 'pytorch/super-resolution-pt0.2',
    framework: 'pytorch',
    exporter: 'torch.onnx.export (PyTorch 0.2)',
    licence: 'Apache-2.0',
    source: { repository: 'onnx/tutorials', commit: 'f9c135a9', path: 'tutorials/assets/super_resolution.onnx' },
    reference: { kind: 'none', format: 'none' },
    inputRecipe: { kind: 'random', seed: 0 },
  },
  {
    from: 'pytorch/bidi-lstm-pt1.5',
    framework: 'pytorch',
    exporter: 'torch.onnx.export (PyTorch 1.5)',
    licence: 'Apache-2.0 OR MIT',
    source: { repository: 'sonos/tract', commit: '38b383fb', path: 'onnx/test_cases/byte_sb_bidi_lstm/' },
    reference: {
      kind: 'onnxruntime',
      format: 'npz',
      path: 'io.npz',
      inputs: { input: 'input' },
      outputs: { output: 'Add_26' },
      note: 'outputs computed with an older onnxruntime, not PyTorch',
    },
  },
  {
    from: 'tensorflow/keras-dense-tf2onnx',
    framework: 'tensorflow',
    exporter: 'tf2onnx 1.13.0 (Keras model)',
    licence: 'Apache-2.0 OR MIT',
    source: { repository: 'sonos/tract', commit: '38b383fb', path: 'examples/keras-tract-tf2/' },
    reference: {
      kind: 'exporter',
      format: 'npz',
      path: 'io.npz',
      inputs: { main_input_input: 'input' },
      outputs: { dense_1: 'output' },
      note: "the Keras model's own prediction",
    },
  },
  {
    from: 'mxnet/crazyara_tic_tac_toe_bsize1',
    framework: 'mxnet',
    licence: 'GPL-3.0',
    exporter: 'mxnet.contrib.onnx export_model (mx2onnx; MXNet writes no producer_name or version)',
    source: {
      repository: 'QueensGambit/CrazyAra',
      commit: 'ed373d69a33490de03746449db8e844e8a28543d',
      path: 'DeepCrazyhouse/src/domain/neural_net/tic_tac_toe-0000-bsize-1.onnx',
    },
    provenance: {
      exporterVersion: 'unknown',
      committed: '2022-04-07',
      committedNote: 'date of the source commit: the export is at least that old',
    },
    reference: {
      kind: 'none',
      format: 'none',
      note: 'no reference outputs were published with the export: inputs are generated (seeded), other backends are compared with the cpu backend',
    },
    inputRecipe: { kind: 'random', seed: 0 },
    notes:
      'GPL-3.0: the licence text (LICENSE) and the notice (NOTICE) are shipped beside the file, which is redistributed unchanged. Policy/value net of a tic-tac-toe agent; graph name mxnet_converted_model, empty producer_name.',
  },
  ...[
    [
      'PP_OCR_v2_cls',
      '15cc81fad5a25e9296993bd882b6b74b8a783368',
      'hardwares/rk/ocr/PP-OCRv2/weights/onnx/PP_OCR_v2_cls.onnx',
      '2022-08-04',
      'PP-OCRv2 text-direction classifier',
    ],
    [
      'PP_OCR_v2_det',
      '15cc81fad5a25e9296993bd882b6b74b8a783368',
      'hardwares/rk/ocr/PP-OCRv2/weights/onnx/PP_OCR_v2_det.onnx',
      '2022-08-04',
      'PP-OCRv2 DB text detector',
    ],
    [
      'picodet_s_320_coco',
      '200e32c842a2929dcb67efa9f99392a7c4de1cc6',
      'hardwares/rk/detection/picodet/weights/onnx/picodet_s_320_coco.onnx',
      '2022-08-03',
      'PicoDet-S 320 detector',
    ],
  ].map(([name, commit, path, committed, what]) => ({
    from: `paddlepaddle/${name}`,
    framework: 'paddlepaddle',
    licence: 'Apache-2.0',
    exporter: 'paddle2onnx (Python converter; graph name paddle-onnx, producer_name PaddlePaddle, no producer_version)',
    source: { repository: 'PaddlePaddle/Paddle2ONNX', commit, path },
    provenance: {
      exporterVersion: 'unknown',
      committed,
      committedNote: 'date of the source commit: the export is at least that old',
    },
    reference: {
      kind: 'none',
      format: 'none',
      note: 'no reference outputs were published with the export: inputs are generated (seeded), other backends are compared with the cpu backend',
    },
    inputRecipe: { kind: 'random', seed: 0 },
    notes: `${what}, from Paddle2ONNX's RK hardware examples.`,
  })),
  ...[
    [
      'menoh_java_and_op',
      '216427a0e5422c074c69e0e872213b9141056077',
      'menoh/src/test/resources/models/and_op.onnx',
      '2018-07-30',
      "Linear(2,1) W=[[1,1]] b=[-1] -> relu -> abs; the export script's comment gives [[0,0],[0,1],[1,0],[1,1]] -> [[0],[0],[0],[1]]",
    ],
    [
      'menoh_java_mlp',
      '58d12ad819b1d883512ac5d343dccc36bc748188',
      'menoh/src/test/resources/models/and.onnx',
      '2018-07-27',
      'first layer of an onnx-chainer export (Gemm, Relu; output fc1), committed as and.onnx',
    ],
  ].map(([name, commit, path, committed, what]) => ({
    from: `chainer/${name}`,
    framework: 'chainer',
    licence: 'MIT',
    exporter: 'onnx-chainer (Chainer 4.3.0, opset 4)',
    source: { repository: 'pfnet-research/menoh-java', commit, path },
    provenance: {
      exporterVersion: '4.3.0',
      committed,
      committedNote: 'date of the source commit: the export is at least that old',
    },
    reference: {
      kind: 'none',
      format: 'none',
      note: "no reference data files were published; the export fails to load on today's onnxruntime (opset 4)",
    },
    inputRecipe: { kind: 'random', seed: 0 },
    notes: what,
  })),
];
for (const group of ['pytorch-converted', 'pytorch-operator']) {
  for (const name of readdirSync(join(samples, 'pytorch', group)).sort()) {
    entries.push({
      from: `pytorch/${group}/${name}`,
      framework: 'pytorch',
      exporter: 'torch.onnx.export (PyTorch 0.3/0.4)',
      licence: 'Apache-2.0',
      source: onnxRepo(`onnx/backend/test/data/${group}/${name}/model.onnx`),
      reference: {
        kind: 'exporter',
        format: 'test_data_set',
        path: 'test_data_set_0',
        note: "PyTorch's own outputs, from the ONNX backend test data",
      },
    });
  }
}

let imported = 0;
for (const e of entries) {
  if (only && !e.from.startsWith(only)) continue;
  const src = join(samples, e.from);
  const dst = join(out, e.from);
  mkdirSync(dst, { recursive: true });
  cpSync(src, dst, { recursive: true });
  const s = summarize(loadModel(join(dst, 'model.onnx')));
  const manifest = {
    id: e.from,
    framework: e.framework,
    exporter: e.exporter,
    expectedProducer: s.producerName,
    file: 'model.onnx',
    sha256: s.sha256,
    source: e.source,
    ...(e.dataSource ? { dataSource: e.dataSource } : {}),
    ...(e.provenance ? { provenance: e.provenance } : {}),
    licence: e.licence,
    reference: e.reference,
    ...(e.inputRecipe ? { inputRecipe: e.inputRecipe } : {}),
    tolerance: TOL,
    expected: { status: e.reference.kind === 'none' ? 'no-reference' : 'pass' },
    ...(e.notes ? { notes: e.notes } : {}),
  };
  writeFileSync(join(dst, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  imported++;
}
console.log(`imported ${imported} models into ${out}`);
if (!existsSync(join(out, 'cntk/mnist-8/manifest.json'))) process.exit(1);
