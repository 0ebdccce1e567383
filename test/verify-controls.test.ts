/** verify's comparison controls: per-output tolerances, the error statistic, the tolerance that would have passed, --save-outputs, --validate, resolved inputs. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '../src/onnx/proto.js';
import { encodeNpz, parseNpz } from '../src/tensor/npy.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'verify-controls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vi = (name: string, dims: (number | string)[]) => ({
  name,
  type: {
    tensorType: {
      elemType: 1,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
const f32 = (values: number[], dims: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

/** x[N, 4] -> y = x + 0.5, z = x * 0 (all zeros). */
const model = join(dir, 'two.onnx');
writeFileSync(
  model,
  onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'controls-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'two',
      node: [
        { opType: 'Add', name: 'add', input: ['x', 'half'], output: ['y'] },
        { opType: 'Mul', name: 'mul', input: ['x', 'zero'], output: ['z'] },
      ],
      initializer: [
        { name: 'half', dataType: 1, dims: [1], floatData: [0.5] },
        { name: 'zero', dataType: 1, dims: [1], floatData: [0] },
      ],
      input: [vi('x', ['N', 4])],
      output: [vi('y', ['N', 4]), vi('z', ['N', 4])],
    },
  }).finish(),
);

const x = [0, 1, 2, 3, 4, 5, 6, 7];
/** Reference: z exact; y off by 1e-3 everywhere but one element off by 1. */
const refNpz = join(dir, 'ref.npz');
writeFileSync(
  refNpz,
  encodeNpz({
    x: f32(x, [2, 4]),
    y: f32(
      x.map((v, i) => v + 0.5 + (i === 3 ? 1 : 1e-3)),
      [2, 4],
    ),
    z: f32(
      x.map(() => 0),
      [2, 4],
    ),
  }),
);

const json = async (args: string[]) => {
  const r = await runCli(['verify', model, '--no-evidence', '-q', '--json', ...args]);
  return { ...r, run: r.stdout.trim().startsWith('{') ? JSON.parse(r.stdout) : undefined };
};

describe('verify comparison controls', () => {
  it('per-output tolerances apply to their output, a bare value to the rest; an unknown output name is a usage error', async () => {
    const strict = await json(['--inputs', refNpz, '--atol', '1e-5', '--rtol', '0']);
    expect(strict.code).toBe(1);
    const outs = strict.run.results[0].comparison.outputs;
    expect(outs.map((o: { name: string; ok: boolean }) => [o.name, o.ok])).toEqual([
      ['y', false],
      ['z', true],
    ]);
    // The tolerance that would have passed, in the JSON and in the reason.
    expect(outs[0].passingTolerance.atol).toBeCloseTo(1, 5);
    expect(strict.run.results[0].reason).toMatch(/passes at atol 1(\.\d+)? or rtol/);
    const loose = await json(['--inputs', refNpz, '--atol', '1e-5', '--atol', 'y:1.01', '--rtol', '0']);
    expect(loose.code).toBe(0);
    expect(
      loose.run.results[0].comparison.outputs.map((o: { tolerance: { atol: number } }) => o.tolerance.atol),
    ).toEqual([1.01, 1e-5]);
    const typo = await runCli(['verify', model, '--no-evidence', '--inputs', refNpz, '--atol', 'nope:1']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/output 'nope', which no model has/);
  });

  it('--check-error-stat: the median error passes where elementwise fails; the statistic is in the record', async () => {
    const elem = await json(['--inputs', refNpz, '--atol', '2e-3', '--rtol', '0']);
    expect(elem.code).toBe(1);
    const median = await json(['--inputs', refNpz, '--atol', '2e-3', '--rtol', '0', '--check-error-stat', 'median']);
    expect(median.code).toBe(0);
    expect(median.run.results[0].checkErrorStat).toBe('median');
    expect(median.run.results[0].comparison.outputs[0].stat.name).toBe('median');
    const max = await json(['--inputs', refNpz, '--atol', '2e-3', '--rtol', '0', '--check-error-stat', 'max']);
    expect(max.code).toBe(1);
    const bad = await runCli(['verify', model, '--check-error-stat', 'p99']);
    expect(bad.code).toBe(2);
  });

  it('--save-outputs writes the inputs and outputs --inputs reads; replayed on wasm it passes; one file per backend; never overwrites', async () => {
    const saved = join(dir, 'saved.npz');
    const r = await runCli(['verify', model, '--no-evidence', '-q', '--dim', 'N=3', '--save-outputs', saved]);
    expect(r.code).toBe(0);
    const arrays = parseNpz(readFileSync(saved), saved);
    expect([...arrays.keys()].sort()).toEqual(['x', 'y', 'z']);
    expect(arrays.get('x')!.dims).toEqual([3, 4]);
    const replay = await json(['--inputs', saved, '--backend', 'wasm', '--dim', 'N=5']);
    expect(replay.code).toBe(0);
    expect(replay.run.results[0]).toMatchObject({
      status: 'pass',
      referenceKind: 'user',
      inputs: [{ name: 'x', shape: [3, 4] }],
    });
    expect(replay.stderr).toMatch(/--dim ignored: inputs come from saved\.npz/);
    const again = await runCli(['verify', model, '--no-evidence', '--save-outputs', saved]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; --save-outputs never overwrites/);
    const both = join(dir, 'both.npz');
    expect(
      (await runCli(['verify', model, '--no-evidence', '-q', '--backend', 'cpu,wasm', '--save-outputs', both])).code,
    ).toBe(0);
    expect([existsSync(join(dir, 'both.cpu.npz')), existsSync(join(dir, 'both.wasm.npz')), existsSync(both)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('--validate flags an all-zero output without a reference; a defaulted symbolic dim is a warning; resolved shapes are printed', async () => {
    const r = await runCli(['verify', model, '--no-evidence', '-q', '--validate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/--validate: z: all 4 elements are zero/);
    expect(r.stdout).toMatch(/inputs of .*two\.onnx: x float32 \[1, 4\]/);
    expect(r.stderr).toMatch(/symbolic dim 'N' \(input 'x'\) took the default 1; set it with --dim N=<value>/);
    const j = await json(['--validate', '--dim', 'N=2']);
    expect(
      j.run.results[0].validation.outputs.map((o: { name: string; allZero: boolean }) => [o.name, o.allZero]),
    ).toEqual([
      ['y', false],
      ['z', true],
    ]);
    expect(j.stderr).not.toMatch(/took the default/);
  });
});
