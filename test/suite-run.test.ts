/**
 * `verify <root>` and `conformance` as a user runs them: a slice of the ONNX backend test data (every
 * status, fixture cases with several data sets and broken files) on cpu, and the whole node root on
 * cpu; one bad case is one result, every data set compared, exit codes 0/1/2.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { cliPath, parseJsonOutput, repoRoot, runCli } from './helpers/cli.js';
import { FIXTURE_STATUS, makeSliceRoot, NODE_ROOT, requireTestData, SLICE } from './helpers/suiteFixtures.js';
import { discoverCases } from '../src/suite/discover.js';
import type { VerifyRun } from '../src/verify/verify.js';
import { onnx } from '../src/onnx/proto.js';
import { encodeTensorProto } from '../src/tensor/tensorProto.js';
import { scratchDir } from './helpers/scratch.js';

const env = { ORT_DISABLE_TELEMETRY: '1' };
let root: string;

beforeAll(() => {
  requireTestData();
  root = makeSliceRoot();
});

function expectedStatus(id: string): string {
  if (FIXTURE_STATUS[id]) return FIXTURE_STATUS[id]!;
  const name = id.replace(/^node\//, '');
  return Object.entries(SLICE).find(([, cases]) => cases.includes(name))![0];
}

describe('verify <root> on cpu: a slice across every status', () => {
  it('every case is one result with its status; exit 1; the record says suite, ops, data sets', async () => {
    const evidenceDir = scratchDir('owb-suite-ev-');
    const r = await runCli(
      ['verify', root, '--json', '--evidence-dir', evidenceDir, '--iterations', '1', '--warmup', '0'],
      { env, timeoutMs: 300_000 },
    );
    expect(r.code, r.stderr).toBe(1);
    const run = parseJsonOutput<VerifyRun & { evidence: string }>(r);
    const ids = discoverCases(root).cases.map((c) => c.id);
    expect(run.results.map((x) => x.model).sort()).toEqual(ids.sort());
    for (const x of run.results) expect(`${x.model}: ${x.status}`).toBe(`${x.model}: ${expectedStatus(x.model)}`);
    const by = new Map(run.results.map((x) => [x.model, x]));
    // Every data set compared, the failing one named.
    expect(by.get('fixtures/multi-set-ok')!.dataSets).toBe(3);
    expect(by.get('fixtures/multi-set-bad')!.dataSets).toBe(3);
    expect(by.get('fixtures/multi-set-bad')!.reason).toMatch(/\(test_data_set_2\): y: 60\/60 elements/);
    expect(by.get('fixtures/multi-set-bad')!.setResults!.map((s) => s.ok)).toEqual([true, true, false]);
    // input-error: one line naming the file.
    expect(by.get('fixtures/broken-data')!.reason).toMatch(
      new RegExp(`^${join(root, 'fixtures/broken-data/test_data_set_0/output_0.pb')}: not a TensorProto`),
    );
    expect(by.get('fixtures/broken-model')!.reason).toMatch(/broken-model\/model\.onnx: /);
    expect(by.get('node/test_identity_sequence')!.reason).toBe(
      "sequence inputs are not supported by onnxruntime-node's API (input 'x': seq(tensor(float32)))",
    );
    expect(by.get('node/test_bernoulli')!.reason).toMatch(/values in \{0, 1\}/);
    expect(by.get('node/test_dft')!.toleranceRule).toMatch(/^DFT: /);
    // Progress is for terminals: nothing on stderr in a pipe but the skipped folder.
    expect(r.stderr).not.toMatch(/case \d+\/\d+/);
    expect(r.stderr).toMatch(/skipped: real\/test_download: no model here/);
    // The skipped folder is in the machine-readable output and the record too, not only on stderr.
    const download = { id: 'real/test_download', reason: expect.stringMatching(/^no model here: data.json names/) };
    expect((run as unknown as { skipped: unknown[] }).skipped).toEqual([download]);
    const record = JSON.parse(readFileSync(run.evidence, 'utf8')) as VerifyRun & { skipped: unknown[] };
    expect(record.skipped).toEqual([download]);
    expect(record.results.every((x) => x.suite === root)).toBe(true);
    expect(record.results.find((x) => x.model === 'node/test_abs')!.ops).toEqual(['ai.onnx:Abs']);
    // The records' conformance view.
    const c = await runCli(['conformance', '--from-evidence', '--evidence-dir', evidenceDir, '--format', 'json'], {
      env,
    });
    expect(c.code, c.stderr).toBe(0);
    const conf = parseJsonOutput<{ backends: { backend: string; cases: number; counts: Record<string, number> }[] }>(c);
    expect(conf.backends[0]).toMatchObject({
      backend: 'cpu',
      cases: ids.length,
      counts: { 'input-error': 2, unsupported: SLICE.unsupported!.length },
    });
    // The report's Conformance section: the counts, and the folder the run skipped.
    const out = join(scratchDir('owb-suite-report-'), 'report');
    const rep = await runCli(['report', '--evidence-dir', evidenceDir, '--out', out], { env });
    expect(rep.code, rep.stderr).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const section = html.slice(html.indexOf('<section id="conformance-section">'));
    expect(section).toMatch(new RegExp(`<tr><td>cpu</td><td>cpu \\([^<]*\\)</td><td class="num">${ids.length}</td>`));
    expect(section).toContain('1 folder skipped: they look like cases but could not run');
    expect(section).toMatch(/<td>real\/test_download<\/td><td>no model here: data.json names/);
  });

  it('a case path of over 1000 characters is recorded like any other', async () => {
    // Before: the schema capped a result's model id at 1000 characters, so one deep case made the
    // whole run's record unwritable (exit 2, "must NOT have more than 1000 characters").
    const deepRoot = scratchDir('owb-suite-long-');
    const long = join(deepRoot, ...Array.from({ length: 5 }, (_, i) => `${i}`.padEnd(250, 'a')), 'test_abs');
    cpSync(join(NODE_ROOT, 'test_abs'), long, { recursive: true });
    cpSync(join(NODE_ROOT, 'test_abs'), join(deepRoot, 'test_abs'), { recursive: true });
    const evidenceDir = scratchDir('owb-suite-long-ev-');
    const r = await runCli(
      ['verify', deepRoot, '--json', '--evidence-dir', evidenceDir, '--iterations', '1', '--warmup', '0'],
      {
        env,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const run = parseJsonOutput<VerifyRun & { evidence: string }>(r);
    const ids = run.results.map((x) => x.model).sort((a, b) => a.length - b.length);
    expect(ids[0]).toBe('test_abs');
    expect(ids[1]!.length).toBeGreaterThan(1000);
    const record = JSON.parse(readFileSync(run.evidence, 'utf8')) as VerifyRun;
    expect(record.results.map((x) => x.model).sort()).toEqual([...ids].sort());
  });

  it('a skipped folder whose name holds terminal controls is printed escaped, one line', async () => {
    const evilRoot = scratchDir('owb-suite-evil-');
    const evil = join(evilRoot, 'evil\u001b[31mRED\nline');
    mkdirSync(evil);
    cpSync(join(NODE_ROOT, 'test_abs', 'model.onnx'), join(evil, 'model.onnx'));
    cpSync(join(NODE_ROOT, 'test_abs'), join(evilRoot, 'test_abs'), { recursive: true });
    const r = await runCli(['verify', evilRoot, '--no-evidence', '--iterations', '1', '--warmup', '0'], { env });
    expect(r.code, r.stderr).toBe(0);
    // Before: the name went to stderr raw (an escape sequence, and a newline splitting the line).
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain('skipped: evil\\e[31mRED\\nline/model: model.onnx has no test data beside it');
  });

  it('exit 0 when all is as expected; 2 when nothing matches or nothing could be run', async () => {
    const ok = await runCli(['verify', root, '--filter', 'test_abs,multi-set-ok', '--no-evidence'], {
      env,
      timeoutMs: 120_000,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/suite: 2 cases, 2 results \(2 pass\); 4 test data sets compared/);
    const none = await runCli(['verify', root, '--filter', 'no_such_case', '--no-evidence'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no test cases match --filter no_such_case/);
    const broken = await runCli(['verify', root, '--filter', 'fixtures/broken-*', '--no-evidence'], { env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/nothing could be run/);
    const usage = await runCli(['verify', join(NODE_ROOT, 'test_abs'), '--filter', 'x', '--no-evidence'], { env });
    expect(usage.code).toBe(2);
  });

  it('a bundled model with a manifest says how many data sets it compared', async () => {
    const r = await runCli(['verify', 'cntk/mnist-8', '--json', '--no-evidence', '--iterations', '1'], {
      env,
      timeoutMs: 120_000,
    });
    const run = parseJsonOutput<VerifyRun>(r);
    const sets = readdirSync(join(repoRoot, 'models/cntk/mnist-8')).filter((f) => /^test_data_set_\d+$/.test(f)).length;
    expect(sets).toBeGreaterThan(0);
    expect(run.results[0]!.dataSets).toBe(sets);
  });
});

describe('ONNX 1.13+ light models in a suite', () => {
  it('runs light/<x> on the inputs arange(n)/n against <x>_output_0.pb; a wrong output is a mismatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-light-run-'));
    try {
      // Neg of a [2, 3] input: for arange(6)/6 the output is -arange(6)/6.
      const vi = (name: string) => ({
        name,
        type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } },
      });
      const model = onnx.ModelProto.encode({
        irVersion: 8,
        producerName: 'onnx-workbench-test',
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'neg',
          node: [{ opType: 'Neg', input: ['x'], output: ['y'] }],
          input: [vi('x')],
          output: [vi('y')],
        },
      } as never).finish();
      mkdirSync(join(dir, 'light'));
      const out = (f: (i: number) => number) =>
        encodeTensorProto('y', {
          dtype: 'float32',
          dims: [2, 3],
          data: Float32Array.from({ length: 6 }, (_, i) => f(i)),
        });
      for (const [name, f] of [
        ['light_neg', (i: number) => -i / 6],
        ['light_wrong', (i: number) => i / 6],
      ] as const) {
        writeFileSync(join(dir, 'light', `${name}.onnx`), model);
        writeFileSync(join(dir, 'light', `${name}_output_0.pb`), out(f));
      }
      const r = await runCli(['verify', dir, '--json', '--no-evidence', '--iterations', '1', '--warmup', '0'], {
        env,
        timeoutMs: 120_000,
      });
      const run = parseJsonOutput<VerifyRun>(r);
      expect(run.results.map((x) => [x.model, x.status])).toEqual([
        ['light/light_neg', 'pass'],
        ['light/light_wrong', 'mismatch'],
      ]);
      expect(run.results[0]!.referenceSource).toBe('light_neg_output_*.pb (outputs); generated inputs: arange(n)/n');
      // Named by path, outside a suite, the same.
      const one = parseJsonOutput<VerifyRun>(
        await runCli(['verify', join(dir, 'light', 'light_neg.onnx'), '--json', '--no-evidence', '--iterations', '1'], {
          env,
          timeoutMs: 120_000,
        }),
      );
      expect(one.results.map((x) => [x.status, x.referenceSource])).toEqual([
        ['pass', 'light_neg_output_*.pb (outputs); generated inputs: arange(n)/n'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the whole node root on cpu', () => {
  it('every one of the cases is a result; none lost to another case', async () => {
    const cases = discoverCases(NODE_ROOT).cases;
    const r = await runCli(
      ['verify', NODE_ROOT, '--json', '--no-evidence', '--iterations', '1', '--warmup', '0', '--duration', '0'],
      { env, timeoutMs: 900_000 },
    );
    expect([0, 1]).toContain(r.code);
    const run = parseJsonOutput<VerifyRun>(r);
    expect(run.results.length).toBe(cases.length);
    expect(new Set(run.results.map((x) => x.model)).size).toBe(cases.length);
    const count = (s: string) => run.results.filter((x) => x.status === s).length;
    // onnxruntime-node 1.30 on this data: most pass; what cannot be passed is named, not failed.
    expect(count('pass')).toBeGreaterThan(cases.length * 0.9);
    expect(count('unsupported')).toBeGreaterThan(20);
    expect(count('nondeterministic')).toBeGreaterThanOrEqual(6);
    expect(count('input-error')).toBe(0);
    for (const x of run.results.filter((y) => y.status === 'unsupported'))
      expect(x.reason).toMatch(/are not supported by onnxruntime-node's API \((input|output) '/);
  });
});

describe('Ctrl-C in a suite run', () => {
  it('right after the workers start (before the run itself): exit 130, no record, no worker left', async () => {
    const evidenceDir = scratchDir('owb-suite-int0-');
    const child = spawn(process.execPath, [cliPath, 'verify', NODE_ROOT, '--json', '--evidence-dir', evidenceDir], {
      cwd: repoRoot,
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('close', (code, signal) => res({ code, signal })),
    );
    const kids = () => {
      try {
        return execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    let workers = '';
    while (!(workers = kids())) await new Promise((res) => setTimeout(res, 5));
    child.kill('SIGINT'); // the workers are forked before the command has read the root
    expect(await exited).toEqual({ code: 130, signal: null });
    const run = JSON.parse(stdout) as VerifyRun & { partial: boolean };
    expect(run.partial).toBe(true);
    expect(readdirSync(evidenceDir).length).toBe(run.results.length > 0 ? 1 : 0);
    for (const pid of workers.split('\n')) expect(() => process.kill(Number(pid), 0), `worker ${pid}`).toThrow();
  });

  it('keeps the finished results, marked partial (exit 130)', async () => {
    const evidenceDir = scratchDir('owb-suite-int-');
    const child = spawn(
      process.execPath,
      // 200 timed runs a case: the whole root takes well over the 2 s before the interrupt, on a fast machine too.
      [cliPath, 'verify', NODE_ROOT, '--json', '--evidence-dir', evidenceDir, '--iterations', '200', '--warmup', '0'],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    // Interrupt once the backend worker runs (results are then being made), whatever the machine's speed.
    for (;;) {
      const kids = (() => {
        try {
          return execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' });
        } catch {
          return '';
        }
      })();
      if (kids.trim()) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await new Promise((res) => setTimeout(res, 2000));
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    const run = JSON.parse(stdout) as VerifyRun & { partial: boolean; evidence?: string };
    expect(run.partial).toBe(true);
    expect(run.results.length).toBeLessThan(discoverCases(NODE_ROOT).cases.length);
    if (run.results.length > 0) {
      const record = JSON.parse(readFileSync(run.evidence!, 'utf8')) as { partial: boolean; results: unknown[] };
      expect(record.partial).toBe(true);
      expect(record.results.length).toBe(run.results.length);
    }
  });
});
