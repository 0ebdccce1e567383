import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, decodeModel, resolveModelPath } from '../src/onnx/model.js';
import { InputError } from '../src/errors.js';
import { seededRandom } from '../src/data/reference.js';
import { expectRefused } from './helpers/errors.js';

const MNIST_FILE = 'models/cntk/mnist-8/model.onnx';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'owb-errors-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Call fn, expect the one-line refusal naming `path`; return the message. */
const inputErrorOf = (fn: () => unknown, path: string): string => expectRefused(fn, path).message;

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function randomBytes(seed: number, n: number): Uint8Array {
  const rand = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

describe('loadModel refuses what is not an ONNX model', () => {
  it('an empty file', () => {
    const p = write('empty.onnx', new Uint8Array(0));
    expect(inputErrorOf(() => loadModel(p), p)).toMatch(/empty/);
  });

  it('random bytes', () => {
    const p = write('random.onnx', randomBytes(1, 4096));
    inputErrorOf(() => loadModel(p), p);
  });

  it('random bytes from 40 seeds', () => {
    const accepted: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const p = write(`random-${seed}.onnx`, randomBytes(seed, 512));
      try {
        loadModel(p);
        accepted.push(seed);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).toContain(p);
      }
    }
    expect(accepted, 'seeds whose random bytes were accepted as a model').toEqual([]);
  });

  it('random bytes that protobufjs happens to decode (a graph, nothing else)', () => {
    // 1000 bytes from /dev/urandom, kept because protobufjs decodes them without error: 0x39 is
    // field 7 (graph) with the wrong wire type, which the generated decoder does not check.
    const p = join(dir, 'random-decodes.onnx');
    copyFileSync('test/fixtures/foundation/random-decodes-as-protobuf.bin', p);
    inputErrorOf(() => loadModel(p), p);
  });

  it('a protobuf holding only an empty graph (no IR version, no opsets)', () => {
    // ModelProto field 7 (graph), length 0: decodes, but it is not an ONNX model.
    const p = write('bare-graph.onnx', Uint8Array.from([0x3a, 0x00]));
    expect(inputErrorOf(() => loadModel(p), p)).toMatch(/IR version|opset|not an ONNX model/);
  });

  it('a truncated mnist-8 (first half of its bytes)', () => {
    const full = readFileSync(MNIST_FILE);
    const p = write('truncated.onnx', full.subarray(0, Math.floor(full.length / 2)));
    expect(inputErrorOf(() => loadModel(p), p)).toMatch(/truncated|not a readable/);
  });

  it('mnist-8 cut at several points', () => {
    const full = readFileSync(MNIST_FILE);
    for (const frac of [0.1, 0.25, 0.75, 0.9, 0.99]) {
      const p = write(`cut-${frac}.onnx`, full.subarray(0, Math.floor(full.length * frac)));
      inputErrorOf(() => loadModel(p), p);
    }
  });

  it('a valid TensorProto passed as a model', () => {
    const input = join(dir, 'input_0.onnx');
    copyFileSync('models/cntk/mnist-8/test_data_set_0/input_0.pb', input);
    inputErrorOf(() => loadModel(input), input);
    const output = join(dir, 'output_0.onnx');
    copyFileSync('models/cntk/mnist-8/test_data_set_0/output_0.pb', output);
    expect(inputErrorOf(() => loadModel(output), output)).toMatch(/no graph|not a readable/);
  });

  it('a text file', () => {
    const p = write('model.onnx.txt', new TextEncoder().encode('ir_version: 8\ngraph { name: "g" }\n'));
    inputErrorOf(() => loadModel(p), p);
  });

  it('a directory without an .onnx file', () => {
    const d = join(dir, 'no-model');
    mkdirSync(d);
    writeFileSync(join(d, 'README.md'), 'nothing here');
    expect(inputErrorOf(() => loadModel(d), d)).toMatch(/no \.onnx/);
  });

  it('a directory with several .onnx files and no model.onnx', () => {
    const d = join(dir, 'two-models');
    mkdirSync(d);
    copyFileSync(MNIST_FILE, join(d, 'a.onnx'));
    copyFileSync(MNIST_FILE, join(d, 'b.onnx'));
    expect(inputErrorOf(() => loadModel(d), d)).toMatch(/several/);
    // ... but model.onnx is preferred when present.
    copyFileSync(MNIST_FILE, join(d, 'model.onnx'));
    expect(resolveModelPath(d)).toBe(join(d, 'model.onnx'));
  });

  it('a missing path', () => {
    const p = join(dir, 'does', 'not', 'exist.onnx');
    expect(inputErrorOf(() => loadModel(p), p)).toMatch(/no such file/);
  });

  it('decodeModel names the given description', () => {
    expect(() => decodeModel(new Uint8Array(0), 'my-bytes')).toThrow(/^my-bytes: /);
    expect(() => decodeModel(Uint8Array.from([0xff, 0xff, 0xff]), 'my-bytes')).toThrow(InputError);
  });
});
