/**
 * What the runner page may post, and turning it into a result the server judged itself: the page
 * sends raw outputs and timings; the server compares them with the reference it holds.
 */
import { Ajv } from 'ajv';
import { InputError } from '../errors.js';
import { isSupportedDType } from '../onnx/dtypes.js';
import { checkAllocatable, fromLittleEndianBytes, rawBytes, type Tensor } from '../tensor/tensor.js';

export interface PostedTensor {
  name: string;
  dtype: string;
  dims: number[];
  data: string;
}

export interface PostedResult {
  index: number;
  sha256: string;
  backend: 'wasm' | 'webgpu';
  userAgent: string;
  platform?: string;
  adapter?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  runtimeVersion?: string;
  sessionCreateMs?: number;
  firstRunMs?: number;
  timesMs?: number[];
  outputs?: PostedTensor[];
  error?: { stage: 'load' | 'run'; message: string };
  /** onnxruntime's node-placement log lines from the page's console (backends/placement.ts). */
  placementLog?: string;
}

const str = (max: number) => ({ type: 'string', maxLength: max }) as const;
const schema = {
  type: 'object',
  required: ['index', 'sha256', 'backend', 'userAgent'],
  additionalProperties: false,
  properties: {
    index: { type: 'integer', minimum: 0 },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    backend: { enum: ['wasm', 'webgpu'] },
    userAgent: str(1000),
    platform: str(200),
    runtimeVersion: str(50),
    adapter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        vendor: str(200),
        architecture: str(200),
        device: str(200),
        description: str(500),
        isFallbackAdapter: { type: 'boolean' },
      },
    },
    placementLog: str(4_000_000),
    sessionCreateMs: { type: 'number', minimum: 0 },
    firstRunMs: { type: 'number', minimum: 0 },
    timesMs: { type: 'array', maxItems: 100000, items: { type: 'number', minimum: 0 } },
    outputs: {
      type: 'array',
      maxItems: 256,
      items: {
        type: 'object',
        required: ['name', 'dtype', 'dims', 'data'],
        additionalProperties: false,
        properties: {
          name: str(1000),
          dtype: str(20),
          dims: { type: 'array', maxItems: 16, items: { type: 'integer', minimum: 0 } },
          data: { type: 'string' },
        },
      },
    },
    error: {
      type: 'object',
      required: ['stage', 'message'],
      additionalProperties: false,
      properties: { stage: { enum: ['load', 'run'] }, message: str(4000) },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(schema);

export function parsePostedResult(value: unknown): PostedResult {
  if (!validate(value)) {
    throw new InputError(
      `result does not match the schema: ${(validate.errors ?? [])
        .slice(0, 3)
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ')}`,
    );
  }
  const r = value as unknown as PostedResult;
  if (!r.error && (!r.outputs || r.firstRunMs === undefined || r.sessionCreateMs === undefined || !r.timesMs)) {
    throw new InputError('a result without an error needs outputs, sessionCreateMs, firstRunMs and timesMs');
  }
  return r;
}

/** Most timed runs a post may claim. */
export const MAX_POSTED_RUNS = 100000;

/**
 * Why a posted result cannot come from a model with these outputs, or undefined: every graph output
 * exactly once and nothing else, each with the declared element type, rank and static dims;
 * timings finite and a bounded number of runs.
 */
export function checkPostedOutputs(
  posted: PostedResult,
  outputs: readonly { name: string; elemType: string; shape: (number | string)[] | null }[],
  /** Reference outputs: their dims are accepted too (an exporter may declare a static shape wrongly). */
  reference?: ReadonlyMap<string, { dims: readonly number[] }> | null,
): string | undefined {
  const times = [posted.sessionCreateMs, posted.firstRunMs, ...(posted.timesMs ?? [])];
  if (times.some((t) => t !== undefined && !Number.isFinite(t))) return 'timings must be finite numbers';
  if ((posted.timesMs?.length ?? 0) > MAX_POSTED_RUNS) return `more than ${MAX_POSTED_RUNS} timed runs`;
  if (posted.error) return undefined; // a failure carries no outputs to check
  if (posted.timesMs && posted.timesMs.length === 0) return 'a result without an error needs at least one timed run';
  const declared = new Map(outputs.map((o) => [o.name, o]));
  const seen = new Set<string>();
  for (const t of posted.outputs ?? []) {
    const o = declared.get(t.name);
    if (!o)
      return `output '${t.name.slice(0, 200)}' is not an output of this model (it has ${[...declared.keys()].slice(0, 10).join(', ')})`;
    if (seen.has(t.name)) return `output '${t.name.slice(0, 200)}' is posted twice`;
    seen.add(t.name);
    if (isSupportedDType(o.elemType) && t.dtype !== o.elemType)
      return `output '${t.name.slice(0, 200)}' is ${t.dtype.slice(0, 20)}, but the model declares ${o.elemType}`;
    const ref = reference?.get(t.name)?.dims;
    const asReference = ref !== undefined && ref.length === t.dims.length && ref.every((d, i) => d === t.dims[i]);
    if (o.shape && !asReference) {
      if (t.dims.length !== o.shape.length)
        return `output '${t.name.slice(0, 200)}' has rank ${t.dims.length}, but the model declares [${o.shape.join(', ')}]`;
      const k = o.shape.findIndex((d, i) => typeof d === 'number' && d !== t.dims[i]);
      if (k >= 0)
        return `output '${t.name.slice(0, 200)}' has shape [${t.dims.join(', ')}], but the model declares [${o.shape.join(', ')}]`;
    }
  }
  const missing = [...declared.keys()].filter((n) => !seen.has(n));
  if (missing.length) return `output(s) ${missing.slice(0, 5).join(', ')} of the model missing from the post`;
  return undefined;
}

export function decodePostedTensor(t: PostedTensor): Tensor {
  if (!isSupportedDType(t.dtype)) throw new InputError(`output ${t.name}: unsupported dtype ${t.dtype}`);
  const n = checkAllocatable(t.dims, `output ${t.name}`);
  return {
    dtype: t.dtype,
    dims: t.dims,
    data: fromLittleEndianBytes(t.dtype, Buffer.from(t.data, 'base64'), n, `output ${t.name}`),
  };
}

export function encodeTensor(name: string, t: Tensor): PostedTensor {
  return { name, dtype: t.dtype, dims: t.dims, data: Buffer.from(rawBytes(t)).toString('base64') };
}
