/** The command line as a user runs it: `node dist/cli.js ...` (build first). */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonOutput, repoRoot, runCli, type CliResult } from './helpers/cli.js';
import { decodeTensorProtoBytes, encodeTensorProto } from '../src/tensor/tensorProto.js';
import { encodeNpz, parseNpz } from '../src/tensor/npy.js';
import type { ModelSummary } from '../src/onnx/inspect.js';
import type { VerifyRun } from '../src/verify/verify.js';
import type { ModelManifest } from '../src/models/manifest.js';

let tmp: string;
let env: Record<string, string>;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'owb-cli-'));
  // Never let a test write evidence into the repository.
  env = { ONNX_WORKBENCH_EVIDENCE: join(tmp, 'default-evidence') };
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { env, timeoutMs: 60_000 });

/** A failure is reported as exactly one line on stderr, without a stack trace. */
function expectOneLineError(r: CliResult, pattern?: RegExp): void {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^onnx-workbench: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/Error:|\.js:\d+/);
  if (pattern) expect(lines[0]).toMatch(pattern);
}

function perturbedMnist(): string {
  const dir = join(tmp, 'mnist-perturbed');
  const set = join(dir, 'test_data_set_0');
  mkdirSync(set, { recursive: true });
  copyFileSync(join(repoRoot, 'models/cntk/mnist-8/model.onnx'), join(dir, 'model.onnx'));
  copyFileSync(join(repoRoot, 'models/cntk/mnist-8/test_data_set_0/input_0.pb'), join(set, 'input_0.pb'));
  const out = decodeTensorProtoBytes(
    readFileSync(join(repoRoot, 'models/cntk/mnist-8/test_data_set_0/output_0.pb')),
    'output_0.pb',
  );
  const data = (out.tensor.data as Float32Array).slice();
  data[0] = data[0]! + 0.1;
  writeFileSync(join(set, 'output_0.pb'), encodeTensorProto(out.name, { ...out.tensor, data }));
  return dir;
}

describe('onnx-workbench CLI', () => {
  it('--help exits 0 and lists the commands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['inspect', 'models', 'verify', 'backends', 'evidence', 'bisect'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const a = await cli(['no-such-command']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/unknown command/);
    const b = await cli(['inspect', 'cntk/mnist-8', '--no-such-option']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown option/);
  });

  it('inspect --json has the documented field names and values', async () => {
    const r = await cli(['inspect', 'models/cntk/mnist-8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = parseJsonOutput<ModelSummary>(r);
    for (const k of [
      'producerName',
      'producerVersion',
      'irVersion',
      'opsets',
      'inputs',
      'outputs',
      'opCounts',
      'parameterCount',
      'sizeBytes',
      'sha256',
    ]) {
      expect(s, k).toHaveProperty(k);
    }
    expect(s.producerName).toBe('CNTK');
    expect(s.producerVersion).toBe('2.5.1');
    expect(s.irVersion).toBe(3);
    expect(s.opsets).toEqual([{ domain: 'ai.onnx', version: 8 }]);
    expect(s.inputs).toEqual([{ name: 'Input3', elemType: 'float32', shape: [1, 1, 28, 28] }]);
    expect(s.outputs[0]!.name).toBe('Plus214_Output_0');
    expect(s.opCounts['ai.onnx:Conv']).toBe(2);
    expect(s.parameterCount).toBeGreaterThan(0);
    expect(s.sizeBytes).toBe(26454);
    expect(s.sha256).toBe('2f06e72de813a8635c9bc0397ac447a601bdbfa7df4bebc278723b958831c9bf');
  });

  it('inspect accepts a bundled id and prints a readable summary', async () => {
    const r = await cli(['inspect', 'cntk/mnist-8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/producer\s+CNTK 2\.5\.1/);
    expect(r.stdout).toMatch(/opsets\s+ai\.onnx 8/);
    expect(r.stdout).toMatch(/Input3: float32 \[1, 1, 28, 28\]/);
  });

  it('inspect on a truncated file: exit 2, one line on stderr, no stack trace', async () => {
    const bytes = readFileSync(join(repoRoot, 'models/cntk/mnist-8/model.onnx'));
    const p = join(tmp, 'truncated.onnx');
    writeFileSync(p, bytes.subarray(0, bytes.length >> 1));
    const r = await cli(['inspect', p]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expectOneLineError(r, new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable ONNX model`));
  });

  it('inspect on an empty file and on a missing path: exit 2, one line', async () => {
    const p = join(tmp, 'empty.onnx');
    writeFileSync(p, '');
    const a = await cli(['inspect', p]);
    expect(a.code).toBe(2);
    expectOneLineError(a, /empty file/);
    const b = await cli(['inspect', join(tmp, 'missing.onnx')]);
    expect(b.code).toBe(2);
    expectOneLineError(b, /missing\.onnx/);
  });

  it('models --json lists more than 100 models', async () => {
    const r = await cli(['models', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const models = parseJsonOutput<ModelManifest[]>(r);
    expect(models.length).toBeGreaterThan(100);
    expect(models.map((m) => m.id)).toContain('cntk/mnist-8');
    expect(models.every((m) => /^[0-9a-f]{64}$/.test(m.sha256))).toBe(true);
  });

  it('verify three bundled models on cpu --json: exit 0, pass/pass/load-error, evidence written', async () => {
    const evidenceDir = join(tmp, 'evidence');
    const r = await cli([
      'verify',
      'cntk/mnist-8',
      'tensorflow/keras-dense-tf2onnx',
      'pytorch/pytorch-converted/test_AvgPool1d',
      '--backend',
      'cpu',
      '--json',
      '--evidence-dir',
      evidenceDir,
      '--iterations',
      '2',
      '--warmup',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const run = parseJsonOutput<VerifyRun & { evidence?: string }>(r);
    expect(run.ok).toBe(true);
    expect(run.results.map((x) => [x.model, x.backend, x.status, x.meetsExpectation])).toEqual([
      ['cntk/mnist-8', 'cpu', 'pass', true],
      ['tensorflow/keras-dense-tf2onnx', 'cpu', 'pass', true],
      ['pytorch/pytorch-converted/test_AvgPool1d', 'cpu', 'load-error', true],
    ]);
    expect(run.results[2]!.reason).toMatch(/AveragePool/);
    // The evidence record is where the output says, and holds the same results.
    expect(run.evidence).toBeDefined();
    expect(run.evidence!.startsWith(evidenceDir)).toBe(true);
    expect(readdirSync(evidenceDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const record = JSON.parse(readFileSync(run.evidence!, 'utf8')) as {
      kind: string;
      results: { model: string; status: string }[];
    };
    expect(record.kind).toBe('verify');
    expect(record.results.map((x) => x.status)).toEqual(['pass', 'pass', 'load-error']);
    expect(existsSync(join(tmp, 'default-evidence'))).toBe(false);
  });

  it('verify --backend nosuch: exit 2, one line', async () => {
    const r = await cli(['verify', 'cntk/mnist-8', '--backend', 'nosuch', '--no-evidence']);
    expect(r.code).toBe(2);
    expectOneLineError(r, /unknown backend 'nosuch'/);
  });

  it('verify on a missing file: exit 2, one line', async () => {
    const p = join(tmp, 'nowhere', 'model.onnx');
    const r = await cli(['verify', p, '--backend', 'cpu', '--no-evidence']);
    expect(r.code).toBe(2);
    expectOneLineError(r, /nowhere\/model\.onnx/);
  });

  it('verify with a bad option value: exit 2', async () => {
    const r = await cli(['verify', 'cntk/mnist-8', '--atol', '-1', '--no-evidence']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--atol/);
  });

  it('verify of a mismatching copy: exit 1, the mismatch in the JSON, no evidence with --no-evidence', async () => {
    const dir = perturbedMnist();
    const r = await cli([
      'verify',
      dir,
      '--backend',
      'cpu',
      '--json',
      '--no-evidence',
      '-q',
      '--iterations',
      '1',
      '--warmup',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const run = parseJsonOutput<VerifyRun & { evidence?: string }>(r);
    expect(run.ok).toBe(false);
    expect(run.results).toHaveLength(1);
    expect(run.results[0]!.status).toBe('mismatch');
    expect(run.results[0]!.comparison!.outputs[0]!.mismatches).toBe(1);
    expect(run.evidence).toBeUndefined();
    expect(existsSync(join(tmp, 'default-evidence'))).toBe(false);
  });

  it('verify --inputs with an npz for a model outside the repository: exit 0', async () => {
    const dir = join(tmp, 'keras');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(repoRoot, 'models/tensorflow/keras-dense-tf2onnx/model.onnx'), join(dir, 'model.onnx'));
    const io = parseNpz(readFileSync(join(repoRoot, 'models/tensorflow/keras-dense-tf2onnx/io.npz')), 'io.npz');
    const npz = join(tmp, 'keras-data.npz');
    writeFileSync(npz, encodeNpz({ main_input_input: io.get('input')!, dense_1: io.get('output')! }));
    const r = await cli([
      'verify',
      join(dir, 'model.onnx'),
      '--inputs',
      npz,
      '--backend',
      'cpu',
      '--json',
      '--no-evidence',
      '-q',
      '--iterations',
      '1',
      '--warmup',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const run = parseJsonOutput<VerifyRun>(r);
    expect(run.results.map((x) => [x.status, x.referenceKind, x.referenceSource])).toEqual([
      ['pass', 'user', 'keras-data.npz'],
    ]);
    // --inputs names exactly one model
    const two = await cli([
      'verify',
      join(dir, 'model.onnx'),
      'cntk/mnist-8',
      '--inputs',
      npz,
      '--backend',
      'cpu',
      '--no-evidence',
    ]);
    expect(two.code).toBe(2);
    expectOneLineError(two, /--inputs applies to exactly one model/);
  });

  it('verify of a mismatching copy, table output: exit 1', async () => {
    const dir = join(tmp, 'mnist-perturbed');
    if (!existsSync(dir)) perturbedMnist();
    const r = await cli([
      'verify',
      join(dir, 'model.onnx'),
      '--backend',
      'cpu',
      '--no-evidence',
      '--iterations',
      '1',
      '--warmup',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/mismatch/);
  });
});
