/** Suite building blocks without a runtime: discovery, random-op checks, tolerance rules, progress, conformance. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverCases, filterMatcher, isSuiteRoot } from '../src/suite/discover.js';
import { casesOfRoots } from '../src/commands/suiteRoots.js';
import { checkRandomOutputs, randomOps } from '../src/compare/nondeterministic.js';
import { toleranceRuleFor } from '../src/compare/toleranceRules.js';
import { ProgressLine, progressText } from '../src/suite/progress.js';
import { computeConformance } from '../src/suite/conformance.js';
import { renderConformance } from '../src/format/conformance.js';
import type { ModelResult } from '../src/verify/verify.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { findTestDataSets } from '../src/data/reference.js';
import { scratchDir } from './helpers/scratch.js';

function tree(): string {
  const root = scratchDir('owb-disc-');
  const mk = (dir: string, files: string[]) => {
    mkdirSync(join(root, dir), { recursive: true });
    for (const f of files) {
      if (f.endsWith('/')) mkdirSync(join(root, dir, f), { recursive: true });
      else writeFileSync(join(root, dir, f), 'x');
    }
  };
  mk('node/test_a', ['model.onnx', 'test_data_set_0/', 'test_data_set_1/']);
  mk('node/test_b', ['b.onnx', 'test_data_set_0/']);
  mk('node/test_npz', ['m.onnx', 'io.npz']);
  mk('node/two', ['a.onnx', 'b.onnx', 'test_data_set_0/']);
  mk('real/test_big', ['data.json']);
  mk('deep/er/test_c', ['model.onnx', 'test_data_set_0/']);
  mk('empty', []);
  return root;
}

describe('case discovery', () => {
  it('finds every case with ids relative to the root, and names the folders it cannot run', () => {
    const root = tree();
    const d = discoverCases(root);
    expect(d.cases.map((c) => c.id)).toEqual(['deep/er/test_c', 'node/test_a', 'node/test_b', 'node/test_npz']);
    expect(d.cases.find((c) => c.id === 'node/test_b')!.modelPath).toBe(join(root, 'node/test_b/b.onnx'));
    expect(d.skipped.map((s) => [s.id, s.reason.split(':')[0]])).toEqual([
      ['node/two', '2 .onnx files (a.onnx, b.onnx)'],
      ['real/test_big', 'no model here'],
    ]);
    expect(isSuiteRoot(root)).toBe(true);
    expect(isSuiteRoot(join(root, 'node/test_a'))).toBe(false);
  });

  it('--filter: globs match the id or its last segment; plain text is a substring; commas are alternatives', () => {
    const root = tree();
    expect(discoverCases(root, 'test_a*').cases.map((c) => c.id)).toEqual(['node/test_a']);
    expect(discoverCases(root, 'node/*').cases.map((c) => c.id)).toEqual([
      'node/test_a',
      'node/test_b',
      'node/test_npz',
    ]);
    expect(discoverCases(root, '**/test_c').cases.map((c) => c.id)).toEqual(['deep/er/test_c']);
    expect(discoverCases(root, 'npz,test_b').cases.map((c) => c.id)).toEqual(['node/test_b', 'node/test_npz']);
    expect(filterMatcher('test_?')('node/test_a')).toBe(true);
    expect(filterMatcher('test_?')('node/test_ab')).toBe(false);
  });

  it('searches each real folder once: a link cycle and a second link are listed as skipped, never repeated', () => {
    const root = tree();
    symlinkSync(root, join(root, 'node/loop')); // back to the root
    symlinkSync(join(root, 'node'), join(root, 'node2')); // the same folder again
    const d = discoverCases(root);
    // Before: the cycle repeated every case 32 folders deep ('node/loop/node/loop/...'), with no word.
    expect(d.cases.map((c) => c.id)).toEqual(['deep/er/test_c', 'node/test_a', 'node/test_b', 'node/test_npz']);
    expect(d.skipped.find((s) => s.id === 'node/loop')!.reason).toBe(
      'a link back to the root, a folder above it (a cycle): not searched again',
    );
    expect(d.skipped.find((s) => s.id === 'node2')!.reason).toBe(
      'the same folder as node (a link): its cases are listed once, under node',
    );
    expect(d.skipped.filter((s) => s.id.startsWith('node/two')).length).toBe(1);
  });

  it('several roots: ids prefixed by the root named; a case named twice runs once, and the repeat is said', () => {
    const root = tree();
    // Before: the same root twice (once with a slash), or a root inside another, ran its cases twice under one id.
    const { cases, skipped } = casesOfRoots([root, `${root}/`, join(root, 'node')], 'test_a');
    expect(cases.map((c) => c.id)).toEqual([`${root}/node/test_a`]);
    expect(skipped).toEqual([
      { id: `${root}/node/test_a`, reason: `the same case as ${root}/node/test_a (named twice): run once` },
      { id: `${join(root, 'node')}/test_a`, reason: `the same case as ${root}/node/test_a (named twice): run once` },
    ]);
    // Skipped folders carry the prefix too, so two roots' `node/two` are told apart.
    expect(casesOfRoots([root, join(root, 'node')]).skipped.map((s) => s.id)).toContain(`${root}/node/two`);
    expect(casesOfRoots([root]).cases.map((c) => c.id)).toContain('node/test_a');
  });

  it('names what it does not search: folders too deep, names that are not UTF-8', () => {
    const root = scratchDir('owb-deep-');
    const deep = join(root, ...Array.from({ length: 34 }, (_, i) => `d${i}`));
    mkdirSync(join(deep, 'test_x', 'test_data_set_0'), { recursive: true });
    writeFileSync(join(deep, 'test_x', 'model.onnx'), 'x');
    const d = discoverCases(root);
    expect(d.cases).toEqual([]);
    const [far] = d.skipped;
    expect(far!.id.split('/').length).toBe(33);
    expect(far!.reason).toBe('more than 32 folders below the root: not searched');
    // Node reads the byte 0xff of a name as U+FFFD and then cannot open the path it gives.
    const bad = scratchDir('owb-utf8-');
    const name = Buffer.concat([Buffer.from(join(bad, 'case')), Buffer.from([0xff])]);
    mkdirSync(name);
    const caseDir = join(bad, 'ok');
    mkdirSync(join(caseDir, 'test_data_set_0'), { recursive: true });
    writeFileSync(
      Buffer.concat([Buffer.from(join(caseDir, 'm')), Buffer.from([0xff, 0x2e, 0x6f, 0x6e, 0x6e, 0x78])]),
      'x',
    );
    // A bad name beside cases below it: the folder is still searched.
    mkdirSync(join(bad, 'ok2', 'test_a', 'test_data_set_0'), { recursive: true });
    writeFileSync(join(bad, 'ok2', 'test_a', 'model.onnx'), 'x');
    writeFileSync(
      Buffer.concat([Buffer.from(join(bad, 'ok2', 'x')), Buffer.from([0xff, 0x2e, 0x6f, 0x6e, 0x6e, 0x78])]),
      'x',
    );
    const b = discoverCases(bad);
    expect(b.cases.map((c) => c.id)).toEqual(['ok2/test_a']);
    expect(b.skipped.map((s) => [s.id, s.reason])).toEqual(
      [
        [
          'case\uFFFD',
          'cannot list the folder (its name is not valid UTF-8, which Node cannot open by name: rename it)',
        ],
        ['ok', 'm\uFFFD.onnx: its name is not valid UTF-8, which Node cannot open by name: rename it'],
        ['ok2', 'x\uFFFD.onnx: its name is not valid UTF-8, which Node cannot open by name: rename it'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
  });

  it('orders test data sets numerically (set 10 after set 2)', () => {
    const root = scratchDir('owb-sets-');
    for (const k of [10, 2, 0, 1]) mkdirSync(join(root, `test_data_set_${k}`));
    expect(findTestDataSets(root).map((p) => p.split('_').pop())).toEqual(['0', '1', '2', '10']);
    // Discovery lists a case's sets once, in the same order, for preparing it (no second listing).
    writeFileSync(join(root, 'model.onnx'), 'x');
    writeFileSync(join(root, 'test_data_set_x'), 'a file, not a set');
    const suite = scratchDir('owb-suite-');
    symlinkSync(root, join(suite, 'test_sets'));
    const [c] = discoverCases(suite).cases;
    expect(c!.dataSets).toEqual(findTestDataSets(join(suite, 'test_sets')));
    expect(discoverCases(tree()).cases.find((x) => x.id === 'node/test_npz')!.dataSets).toBeUndefined();
  });
});

// The checker takes Maps (names are the model's: a Map keeps `__proto__` a name); the cases read best as objects.
const check = (
  g: Parameters<typeof checkRandomOutputs>[0],
  feeds: Record<string, Tensor>,
  outputs: Record<string, Tensor>,
  ref: ReadonlyMap<string, Tensor>,
) => checkRandomOutputs(g, new Map(Object.entries(feeds)), new Map(Object.entries(outputs)), ref);
const f32 = (v: number[], dims = [v.length]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });
const graphOf = (opType: string, inputs: string[], outputs: string[], attribute: unknown[] = []) =>
  ({ node: [{ opType, input: inputs, output: outputs, attribute }] }) as never;

describe('ONNX 1.13+ data roots: light models, real/ naming them, models without data', () => {
  it('a light model is a case; real/ naming it says so; a model without test data is skipped, not dropped', () => {
    const root = scratchDir('owb-light-');
    mkdirSync(join(root, 'light'));
    writeFileSync(join(root, 'light', 'light_x.onnx'), 'x');
    writeFileSync(join(root, 'light', 'light_x_output_0.pb'), 'x');
    writeFileSync(join(root, 'light', 'README.md'), 'x');
    mkdirSync(join(root, 'real', 'test_x'), { recursive: true });
    writeFileSync(join(root, 'real', 'test_x', 'data.json'), '{"url": "onnx/backend/test/data/light/light_x.onnx"}');
    mkdirSync(join(root, 'real', 'test_gone'), { recursive: true });
    writeFileSync(
      join(root, 'real', 'test_gone', 'data.json'),
      '{"url": "onnx/backend/test/data/light/light_gone.onnx"}',
    );
    mkdirSync(join(root, 'real', 'test_web'), { recursive: true });
    writeFileSync(join(root, 'real', 'test_web', 'data.json'), '{"url": "https://example.invalid/m.tar.gz"}');
    mkdirSync(join(root, 'real', 'test_odd'), { recursive: true });
    writeFileSync(join(root, 'real', 'test_odd', 'data.json'), '{"url": "../../../../etc/passwd"}');
    mkdirSync(join(root, 'bare'));
    writeFileSync(join(root, 'bare', 'model.onnx'), 'x');
    const d = discoverCases(root);
    expect(d.cases).toEqual([
      { id: 'light/light_x', dir: join(root, 'light'), modelPath: join(root, 'light', 'light_x.onnx'), light: true },
    ]);
    expect(Object.fromEntries(d.skipped.map((s) => [s.id, s.reason]))).toEqual({
      'bare/model':
        "model.onnx has no test data beside it (test_data_set_* folders, an .npz, or model_output_N.pb as ONNX's light models have)",
      'real/test_gone':
        'no model here: data.json names onnx/backend/test/data/light/light_gone.onnx, a file of the ONNX repository that is not here',
      'real/test_web': 'no model here: data.json names a model to download (the workbench downloads nothing)',
      'real/test_odd':
        'no model here: data.json names "../../../../etc/passwd", neither a download nor an ONNX light model',
      'real/test_x':
        "no model here: data.json names ONNX's light model onnx/backend/test/data/light/light_x.onnx, run as the case light/light_x",
    });
    // The light/ folder itself is a root of light cases; a folder with one plain model is not.
    expect(isSuiteRoot(join(root, 'light'))).toBe(true);
    expect(discoverCases(join(root, 'light')).cases.map((c) => c.id)).toEqual(['light_x']);
    expect(isSuiteRoot(join(root, 'bare'))).toBe(false);
    // Below the real/ folder alone, the light model is outside the root.
    expect(discoverCases(join(root, 'real')).skipped.find((s) => s.id === 'test_x')!.reason).toMatch(
      /found at .*light_x\.onnx, outside this root$/,
    );
  });
});

describe('random ops: checked, not compared element by element', () => {
  it('Bernoulli: only 0 and 1', () => {
    const g = graphOf('Bernoulli', ['x'], ['y']);
    expect(randomOps(g)).toEqual(['Bernoulli']);
    const ref = new Map([['y', f32([1, 0, 0, 1])]]);
    expect(check(g, { x: f32([0.5, 0.5, 0.5, 0.5]) }, { y: f32([0, 1, 1, 1]) }, ref).ok).toBe(true);
    const bad = check(g, { x: f32([0.5, 0.5, 0.5, 0.5]) }, { y: f32([0, 0.5, 1, 1]) }, ref);
    expect(bad.ok).toBe(false);
    expect(bad.problem).toMatch(/0\.5 at 1 is neither 0 nor 1/);
    expect(check(g, {}, { y: f32([0, 1]) }, ref).problem).toMatch(/shape \[2\] differs/);
  });

  it('Dropout in training mode: each element 0 or the input scaled by 1/(1 - ratio); the mask agrees', () => {
    const g = graphOf('Dropout', ['x', 'r', 't'], ['y', 'mask']);
    const feeds = { x: f32([1, 2, 3, 4]), r: f32([0.5], []) };
    const ref = new Map([
      ['y', f32([0, 4, 6, 0])],
      ['mask', { dtype: 'bool', dims: [4], data: Uint8Array.from([0, 1, 1, 0]) } as Tensor],
    ]);
    const mask = (m: number[]): Tensor => ({ dtype: 'bool', dims: [4], data: Uint8Array.from(m) });
    expect(check(g, feeds, { y: f32([2, 0, 6, 8]), mask: mask([1, 0, 1, 1]) }, ref).ok).toBe(true);
    expect(check(g, feeds, { y: f32([2, 0, 3, 8]), mask: mask([1, 0, 1, 1]) }, ref).problem).toMatch(/element 2 is 3/);
    expect(check(g, feeds, { y: f32([2, 0, 6, 8]), mask: mask([0, 0, 1, 1]) }, ref).problem).toMatch(/mask at 0/);
    // Inference mode (no training_mode input) is the identity: compared as usual.
    expect(randomOps(graphOf('Dropout', ['x'], ['y']))).toEqual([]);
  });

  it('RandomUniform within [low, high]; Multinomial gives class indices', () => {
    const u = graphOf(
      'RandomUniformLike',
      ['x'],
      ['y'],
      [
        { name: 'low', f: -1 },
        { name: 'high', f: 1 },
      ],
    );
    const ref = new Map([['y', f32([0, 0])]]);
    expect(check(u, {}, { y: f32([-0.5, 0.9]) }, ref).ok).toBe(true);
    expect(check(u, {}, { y: f32([-0.5, 1.5]) }, ref).problem).toMatch(/outside \[-1, 1\]/);
    const m = graphOf('Multinomial', ['p'], ['y']);
    const iref = new Map([['y', { dtype: 'int32', dims: [1, 3], data: Int32Array.from([0, 1, 2]) } as Tensor]]);
    const feeds = { p: f32([0.1, 0.2, 0.7], [1, 3]) };
    expect(check(m, feeds, { y: { dtype: 'int32', dims: [1, 3], data: Int32Array.from([2, 2, 1]) } }, iref).ok).toBe(
      true,
    );
    expect(check(m, feeds, { y: { dtype: 'int32', dims: [1, 3], data: Int32Array.from([2, 3, 1]) } }, iref).ok).toBe(
      false,
    );
  });
});

describe('per-op tolerance rules', () => {
  it('DFT gets its documented rule with the reason; other ops keep the default', () => {
    const r = toleranceRuleFor({ opCounts: { 'ai.onnx:DFT': 1 } });
    expect(r?.tolerance).toEqual({ atol: 1e-3, rtol: 1e-3 });
    expect(r?.reason).toMatch(/^DFT: atol 0\.001, rtol 0\.001 \(the reference is numpy's FFT/);
    expect(toleranceRuleFor({ opCounts: { 'ai.onnx:Abs': 1 } })).toBeUndefined();
  });
});

describe('progress', () => {
  it('case n/N, rate and ETA', () => {
    expect(progressText(10, 100, 5000)).toBe('case 10/100  2.0/s  ETA 45s');
    expect(progressText(0, 100, 0)).toBe('case 0/100  0.0/s  ETA ?');
    expect(progressText(100, 1000, 10_000, 'cpu node/test_abs')).toBe(
      'case 100/1000  10/s  ETA 1m30s  cpu node/test_abs',
    );
  });

  it('draws only on a terminal; nothing at all in a pipe', () => {
    const out: string[] = [];
    const tty = new ProgressLine({ isTTY: true, columns: 80, write: (s) => (out.push(s), true) });
    tty.update(1, 1, 'x');
    tty.clear();
    expect(out.join('')).toMatch(/case 1\/1/);
    const piped: string[] = [];
    const pipe = new ProgressLine({ isTTY: false, write: (s) => (piped.push(s), true) });
    pipe.update(1, 1);
    pipe.clear();
    expect(piped).toEqual([]);
  });

  it('a case id cannot put terminal controls on the line, C1 ones (\\x9b, CSI) included', () => {
    const out: string[] = [];
    const tty = new ProgressLine({ isTTY: true, columns: 80, write: (s) => (out.push(s), true) });
    tty.update(1, 1, 'cpu a\u001b[2Jb\u009b2Jc\nd');
    expect(out.join('').replace(/^\r\u001b\[2K/, '')).toMatch(/cpu a\?\[2Jb\?2Jc\?d$/);
  });
});

describe('conformance view', () => {
  const r = (
    backend: ModelResult['backend'],
    model: string,
    status: ModelResult['status'],
    ops: string[] = ['ai.onnx:Abs'],
  ): ModelResult => ({
    model,
    path: '',
    sha256: '',
    producerName: '',
    producerVersion: '',
    backend,
    adapter: { kind: 'cpu' },
    status,
    meetsExpectation: status === 'pass',
    referenceKind: 'user',
    referenceSource: '',
    tolerance: { atol: 0, rtol: 0 },
    suite: '/r',
    ops,
  });

  it('counts by status per backend; lists what passes on cpu and fails elsewhere, with the ops', () => {
    const results = [
      r('cpu', 'a', 'pass'),
      r('cpu', 'b', 'pass', ['ai.onnx:Cast']),
      r('cpu', 'c', 'mismatch'),
      r('cpu', 'd', 'nondeterministic', ['ai.onnx:Bernoulli']),
      r('wasm', 'a', 'pass'),
      r('wasm', 'b', 'run-error', ['ai.onnx:Cast']),
      r('wasm', 'c', 'mismatch'),
      r('wasm', 'd', 'mismatch', ['ai.onnx:Bernoulli']),
    ];
    const c = computeConformance(results);
    expect(c.backends.map((b) => [b.backend, b.counts])).toEqual([
      ['cpu', { pass: 2, mismatch: 1, nondeterministic: 1 }],
      ['wasm', { pass: 1, 'run-error': 1, mismatch: 2 }],
    ]);
    expect(c.gaps[0]!.cases.map((k) => [k.id, k.status])).toEqual([
      ['b', 'run-error'],
      ['d', 'mismatch'],
    ]);
    expect(c.gaps[0]!.ops).toEqual([
      { op: 'Bernoulli', failing: 1, passingOnCpu: 1 },
      { op: 'Cast', failing: 1, passingOnCpu: 1 },
    ]);
    expect(renderConformance(c, 'markdown')).toMatch(/### Pass on cpu, not on wasm \(2\)/);
    expect(JSON.parse(renderConformance(c, 'json')).gaps[0].backend).toBe('wasm');
    expect(renderConformance(c, 'table')).toMatch(/wasm: 2 cases pass on cpu and not on wasm/);
  });

  it("renders its table through src/format's terminal table: fits the width, no box lines, no raw controls", () => {
    const long = (b: 'cpu' | 'wasm', id: string, status: ModelResult['status']) => ({
      ...r(b, id, status, ['ai.onnx:Cast']),
      adapter: { kind: 'cpu' as const, description: 'a very long adapter description \x1b[31m that goes on and on' },
      reason: 'x'.repeat(300),
    });
    const c = computeConformance([long('cpu', 'case-a', 'pass'), long('wasm', 'case-a', 'run-error')]);
    for (const width of [60, 100]) {
      const text = renderConformance(c, 'table', { width, colour: false });
      const lines = text.split('\n');
      expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(width);
      expect(text).not.toMatch(/[┌│└]/);
      expect(text).not.toContain('\x1b');
      expect(lines[0]).toMatch(/^backend\s+adapter\s+cases\s+pass\s+run-error$/);
      expect(text).toMatch(/case-a: run-error: x+…/);
    }
  });
});
