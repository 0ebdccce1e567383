/**
 * A small test data root for the suite tests: real cases from Debian's libonnx-testdata (linked,
 * not copied) chosen to cover every status, plus fixture cases made here (several data sets, an
 * unreadable model, unreadable data, a run error).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../src/onnx/proto.js';
import { decodeTensorProtoBytes, encodeTensorProto } from '../../src/tensor/tensorProto.js';
import { scratchDir } from './scratch.js';

export const TESTDATA = '/usr/share/libonnx-testdata/data';
export const NODE_ROOT = join(TESTDATA, 'node');

/** Fail loudly (never skip) when the suite's data is missing, with the fix. */
export function requireTestData(): void {
  if (!existsSync(NODE_ROOT))
    throw new Error(`${NODE_ROOT} is missing: install Debian's libonnx-testdata (bash .ci/install-deps)`);
}

/** Cases per status they show on cpu with onnxruntime-node 1.30 (from a run of the whole node root). */
export const SLICE: Record<string, string[]> = {
  pass: [
    'test_abs',
    'test_add',
    'test_add_bcast',
    'test_relu',
    'test_sigmoid',
    'test_softmax_axis_0',
    'test_matmul_2d',
    'test_conv_with_strides_padding',
    'test_averagepool_2d_ceil',
    'test_maxpool_2d_default',
    'test_gemm_default_no_bias',
    'test_transpose_default',
    'test_concat_1d_axis_0',
    'test_reshape_reordered_all_dims',
    'test_reduce_sum_default_axes_keepdims_example',
    'test_argmax_default_axis_example',
    'test_cast_FLOAT_to_FLOAT16',
    'test_cast_FLOAT16_to_FLOAT',
    'test_equal',
    'test_not_2d',
    'test_and2d',
    'test_where_example',
    'test_clip_default_int8_max',
    'test_min_uint64',
    'test_mod_uint32',
    'test_cumsum_1d_reverse',
    'test_dft',
    'test_dft_inverse',
    'test_optional_get_element',
    'test_optional_has_element',
    'test_strnormalizer_export_monday_casesensintive_lower',
    'test_castlike_STRING_to_FLOAT',
    'test_gru_defaults',
    'test_lstm_defaults',
    'test_layer_normalization_2d_axis0',
    'test_einsum_transpose',
    'test_gather_0',
    'test_slice',
    'test_split_equal_parts_1d',
    'test_tile',
  ],
  mismatch: ['test_cast_FLOAT_to_STRING', 'test_resize_downsample_scales_linear_align_corners'],
  'load-error': ['test_bitshift_left_uint16', 'test_adam', 'test_max_int16'],
  unsupported: [
    'test_identity_sequence',
    'test_cast_FLOAT_to_BFLOAT16',
    'test_optional_has_element_empty',
    'test_if_seq',
  ],
  nondeterministic: [
    'test_bernoulli',
    'test_bernoulli_expanded',
    'test_training_dropout',
    'test_training_dropout_mask',
  ],
};

function tensorFile(path: string, name: string, map: (v: number) => number): Uint8Array {
  const { tensor } = decodeTensorProtoBytes(readFileSync(path), path);
  const data = Float32Array.from(tensor.data as Float32Array, map);
  return encodeTensorProto(name, { ...tensor, data });
}

/** A model: Reshape of a [2, 3] input to a shape given as an input (a wrong shape fails at run time). */
function reshapeModel(): Uint8Array {
  const vi = (name: string, elemType: number, dims: number[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'suite-fixture',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'reshape',
      node: [{ opType: 'Reshape', input: ['x', 'shape'], output: ['y'] }],
      input: [vi('x', 1, [2, 3]), vi('shape', 7, [1])],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  } as never).finish();
}

/** Make the slice root: `node/<case>` links plus `fixtures/<case>` folders. Returns its path. */
export function makeSliceRoot(statuses: string[] = Object.keys(SLICE), perStatus = Infinity): string {
  requireTestData();
  const root = scratchDir('owb-suite-');
  mkdirSync(join(root, 'node'));
  for (const s of statuses)
    for (const c of (SLICE[s] ?? []).slice(0, perStatus)) symlinkSync(join(NODE_ROOT, c), join(root, 'node', c));
  const fx = join(root, 'fixtures');
  const abs = join(NODE_ROOT, 'test_abs');
  const set0 = join(abs, 'test_data_set_0');
  // Three data sets, all right: every one compared.
  for (const [name, badSet] of [
    ['multi-set-ok', -1],
    ['multi-set-bad', 2],
  ] as const) {
    const dir = join(fx, name);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(abs, 'model.onnx'), join(dir, 'model.onnx'));
    for (let k = 0; k < 3; k++) {
      const set = join(dir, `test_data_set_${k}`);
      mkdirSync(set);
      const scale = k + 1;
      writeFileSync(
        join(set, 'input_0.pb'),
        tensorFile(join(set0, 'input_0.pb'), 'x', (v) => v * scale),
      );
      writeFileSync(
        join(set, 'output_0.pb'),
        tensorFile(join(set0, 'output_0.pb'), 'y', (v) => v * scale + (k === badSet ? 1 : 0)),
      );
    }
  }
  // Not an ONNX model.
  mkdirSync(join(fx, 'broken-model', 'test_data_set_0'), { recursive: true });
  writeFileSync(join(fx, 'broken-model', 'model.onnx'), 'this is not a model\n');
  copyFileSync(join(set0, 'input_0.pb'), join(fx, 'broken-model', 'test_data_set_0', 'input_0.pb'));
  // A readable model with unreadable reference data.
  mkdirSync(join(fx, 'broken-data', 'test_data_set_0'), { recursive: true });
  copyFileSync(join(abs, 'model.onnx'), join(fx, 'broken-data', 'model.onnx'));
  copyFileSync(join(set0, 'input_0.pb'), join(fx, 'broken-data', 'test_data_set_0', 'input_0.pb'));
  writeFileSync(join(fx, 'broken-data', 'test_data_set_0', 'output_0.pb'), Buffer.from([0x0a, 0xff, 0xff, 0xff]));
  // Runs into an error inside onnxruntime: shape [4] for 6 elements.
  const re = join(fx, 'run-error');
  mkdirSync(join(re, 'test_data_set_0'), { recursive: true });
  writeFileSync(join(re, 'model.onnx'), reshapeModel());
  writeFileSync(
    join(re, 'test_data_set_0', 'input_0.pb'),
    encodeTensorProto('x', { dtype: 'float32', dims: [2, 3], data: new Float32Array(6) }),
  );
  writeFileSync(
    join(re, 'test_data_set_0', 'input_1.pb'),
    encodeTensorProto('shape', { dtype: 'int64', dims: [1], data: new BigInt64Array([4n]) }),
  );
  // A folder that names a download: skipped, said so.
  mkdirSync(join(root, 'real', 'test_download'), { recursive: true });
  writeFileSync(join(root, 'real', 'test_download', 'data.json'), '{"url": "https://example.invalid/model.tar.gz"}\n');
  return root;
}

/** Fixture cases and the status each gives on every backend. */
export const FIXTURE_STATUS: Record<string, string> = {
  'fixtures/multi-set-ok': 'pass',
  'fixtures/multi-set-bad': 'mismatch',
  'fixtures/broken-model': 'input-error',
  'fixtures/broken-data': 'input-error',
  'fixtures/run-error': 'run-error',
};
