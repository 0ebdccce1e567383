/** A one-node float32 Identity model: starts a runtime (WASM compile, WebGPU device) without a user's model. */
import type { Tensor } from '../tensor/tensor.js';

/** Its bytes; the ONNX protobuf code is loaded here, not when a worker starts. */
export async function startupModelBytes(): Promise<Uint8Array> {
  const { onnx } = await import('../onnx/proto.js');
  const valueInfo = (name: string) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'onnx-workbench',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'startup',
      node: [{ opType: 'Identity', input: ['x'], output: ['y'], name: 'identity' }],
      input: [valueInfo('x')],
      output: [valueInfo('y')],
    },
  }).finish();
}

/** Feeds for the start-up model. */
export function startupFeeds(): Map<string, Tensor> {
  return new Map([['x', { dtype: 'float32', dims: [1], data: new Float32Array([1]) }]]);
}
