/**
 * Random ops: Bernoulli, Dropout in training mode, RandomUniform(Like), RandomNormal(Like) and
 * Multinomial give outputs no other implementation reproduces, so their reference outputs cannot be
 * compared element by element. What can be checked is checked: shape and element type always, and
 * the value set each op promises:
 *  - Bernoulli: only 0 and 1;
 *  - Dropout: every element of the output is 0 or the input times 1/(1 - ratio), and the mask
 *    (when asked for) is true exactly where the element was kept;
 *  - RandomUniform(Like): within [low, high];
 *  - RandomNormal(Like): finite;
 *  - Multinomial: integers in [0, number of classes).
 * A case passes these checks as `nondeterministic`; failing one is a `mismatch` with the check named.
 */
import type { GraphProto, NodeProto } from '../onnx/proto.js';
import { toFloat64, type Tensor } from '../tensor/tensor.js';

export const RANDOM_OPS = [
  'Bernoulli',
  'Dropout',
  'RandomUniform',
  'RandomUniformLike',
  'RandomNormal',
  'RandomNormalLike',
  'Multinomial',
] as const;

function nodes(graph: GraphProto | null | undefined): NodeProto[] {
  return (graph?.node ?? []).filter((n) => !n.domain || n.domain === 'ai.onnx');
}

/** The random ops a graph uses (top level; Dropout only where training mode can be on). */
export function randomOps(graph: GraphProto | null | undefined): string[] {
  const ops = new Set<string>();
  for (const n of nodes(graph)) {
    const op = n.opType ?? '';
    if (op === 'Dropout' && (n.input ?? []).filter(Boolean).length < 3) continue; // inference mode: the identity
    if ((RANDOM_OPS as readonly string[]).includes(op)) ops.add(op);
  }
  return [...ops].sort();
}

function attrFloat(n: NodeProto, name: string, dflt: number): number {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a?.f ?? dflt;
}

export interface RandomCheck {
  ok: boolean;
  checks: string[];
  problem?: string;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Check the outputs of a graph with random ops against what each op promises. `feeds` and
 * `reference` are the test set's; `outputs` the backend's. Only outputs produced directly by a random
 * op get that op's value check; other outputs must still match the reference shape and type.
 */
export function checkRandomOutputs(
  graph: GraphProto,
  feeds: ReadonlyMap<string, Tensor>,
  outputs: ReadonlyMap<string, Tensor>,
  reference: ReadonlyMap<string, Tensor>,
): RandomCheck {
  const checks = new Set<string>(['shape', 'element type']);
  const producer = new Map<string, { node: NodeProto; index: number }>();
  for (const n of nodes(graph)) (n.output ?? []).forEach((o, index) => producer.set(o, { node: n, index }));
  const ops = randomOps(graph);
  for (const [name, ref] of reference) {
    const got = outputs.get(name);
    if (!got) return { ok: false, checks: [...checks], problem: `output ${name} missing` };
    if (!sameShape(got.dims, ref.dims))
      return {
        ok: false,
        checks: [...checks],
        problem: `${name}: shape [${got.dims.join(', ')}] differs from the reference [${ref.dims.join(', ')}]`,
      };
    if (got.dtype !== ref.dtype)
      return {
        ok: false,
        checks: [...checks],
        problem: `${name}: element type ${got.dtype} differs from the reference ${ref.dtype}`,
      };
    if (got.dtype === 'string') continue;
    const v = toFloat64(got);
    const p = producer.get(name);
    const op = p?.node.opType ?? '';
    const fail = (what: string): RandomCheck => ({ ok: false, checks: [...checks], problem: `${name}: ${what}` });
    if (op === 'Bernoulli' || (ops.includes('Bernoulli') && !p)) {
      checks.add('values in {0, 1}');
      const bad = v.findIndex((x) => x !== 0 && x !== 1);
      if (bad >= 0) return fail(`value ${v[bad]} at ${bad} is neither 0 nor 1 (Bernoulli)`);
    } else if (op === 'Dropout' && p!.index === 0) {
      const x = feeds.get(p!.node.input?.[0] ?? '');
      const ratioT = feeds.get(p!.node.input?.[1] ?? '');
      const ratio = ratioT ? toFloat64(ratioT)[0]! : 0.5;
      const scale = 1 / (1 - ratio);
      checks.add('each element dropped (0) or kept and scaled by 1/(1 - ratio)');
      if (x) {
        const xs = toFloat64(x);
        const bad = v.findIndex(
          (y, i) => y !== 0 && Math.abs(y - xs[i]! * scale) > 1e-5 + 1e-4 * Math.abs(xs[i]! * scale),
        );
        if (bad >= 0) return fail(`element ${bad} is ${v[bad]}: neither 0 nor the input ${xs[bad]} scaled by ${scale}`);
        const maskName = p!.node.output?.[1];
        const mask = maskName ? outputs.get(maskName) : undefined;
        if (mask) {
          checks.add('mask true exactly where kept');
          const m = toFloat64(mask);
          const badMask = v.findIndex((y, i) => xs[i] !== 0 && (y !== 0) !== (m[i] !== 0));
          if (badMask >= 0) return fail(`mask at ${badMask} does not match the kept elements`);
        }
      }
    } else if (op === 'RandomUniform' || op === 'RandomUniformLike') {
      const low = attrFloat(p!.node, 'low', 0),
        high = attrFloat(p!.node, 'high', 1);
      checks.add(`values in [${low}, ${high}]`);
      const bad = v.findIndex((y) => !(y >= low && y <= high));
      if (bad >= 0) return fail(`value ${v[bad]} at ${bad} is outside [${low}, ${high}] (${op})`);
    } else if (op === 'RandomNormal' || op === 'RandomNormalLike') {
      checks.add('finite values');
      const bad = v.findIndex((y) => !Number.isFinite(y));
      if (bad >= 0) return fail(`value ${v[bad]} at ${bad} is not finite (${op})`);
    } else if (op === 'Multinomial') {
      const classes = feeds.get(p!.node.input?.[0] ?? '')?.dims.at(-1);
      checks.add(classes !== undefined ? `integers in [0, ${classes})` : 'integers');
      const bad = v.findIndex((y) => !Number.isInteger(y) || y < 0 || (classes !== undefined && y >= classes));
      if (bad >= 0) return fail(`sample ${v[bad]} at ${bad} is not a class index (Multinomial)`);
    }
    // Produced downstream of a random op (e.g. an expanded Bernoulli's Cast): shape and type only.
  }
  return { ok: true, checks: [...checks] };
}
