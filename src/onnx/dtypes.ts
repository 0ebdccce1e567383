/** ONNX element types: the table lives in tensor/dtype.ts (tensor/ sits below onnx/); re-exported for onnx/ callers. */
export { ELEMENT_TYPES, elementTypeName, isSupportedDType, bytesPerElement, dtypeFromCode, codeFromDType, type DType } from '../tensor/dtype.js';
