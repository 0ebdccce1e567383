/**
 * The ONNX protobuf schema for the onnx/ modules. The binding itself lives in src/proto/ (the lowest
 * layer), so tensor/ can decode TensorProto without importing anything from onnx/.
 */
export * from '../proto/onnx.js';
