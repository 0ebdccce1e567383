/**
 * The ONNX protobuf schema, from the onnx-proto package (static protobufjs code for ONNX 1.10).
 * Newer models still decode: protobufjs skips unknown fields and keeps unknown enum values as numbers.
 */
import { createRequire } from 'node:module';
import type { onnx as OnnxNs } from 'onnx-proto';

const require = createRequire(import.meta.url);
const mod = require('onnx-proto') as { onnx: typeof OnnxNs };
export const onnx = mod.onnx;
export type ModelProto = OnnxNs.ModelProto;
export type GraphProto = OnnxNs.IGraphProto;
export type NodeProto = OnnxNs.INodeProto;
export type TensorProto = OnnxNs.ITensorProto;
export type ValueInfoProto = OnnxNs.IValueInfoProto;

/** protobufjs returns int64 as Long objects (or numbers); make them plain numbers. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && 'toNumber' in (value as object)) {
    return (value as { toNumber(): number }).toNumber();
  }
  return Number(value);
}

/** int64 values as bigint, keeping full precision (for int64 tensors). */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const v = value as { low: number; high: number; unsigned?: boolean };
    const big = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? big : BigInt.asIntN(64, big);
  }
  return BigInt(String(value));
}
