/** ONNX element types: the table lives in tensor/dtype.ts (tensor/ sits below onnx/); re-exported for onnx/ callers. */
export * from '../tensor/dtype.js';
