/**
 * Isolation: workers run in a private temporary folder with onnxruntime's telemetry off, nothing is
 * written into the user's folder, an address-space limit is named as such, and the structure the
 * run path promises holds in the imports (only src/isolation/ speaks the worker protocol, the
 * command process never builds a backend, tensor/ never imports onnx/ for its types).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { isolatedBackends } from '../src/isolation/pool.js';
import { addressSpaceProblem } from '../src/util/limits.js';
import { crashLine } from '../src/isolation/crashLine.js';
import { cliPath, repoRoot, runCli } from './helpers/cli.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(ts|js)$/.test(e.name) ? [p] : [];
  });
}

const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map(
    (m) => m[1] ?? m[2]!,
  );

describe('worker processes', () => {
  it("and the tests that load onnxruntime-node in vitest's own processes run with its telemetry off", () => {
    // test/vitest.config.ts sets it: without it, each such process reported and left /tmp/mat-debug-<pid>.log.
    expect(process.env.ORT_DISABLE_TELEMETRY).toBe('1');
  });

  it('run with ORT_DISABLE_TELEMETRY=1 in a private temporary folder that is removed afterwards', async () => {
    const [cpu] = isolatedBackends(['cpu'], { timeoutMs: 120_000 });
    try {
      expect((await cpu!.checkAvailable()).available).toBe(true);
      const pid = cpu!.workerPid!;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(env).toContain('ORT_DISABLE_TELEMETRY=1');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      expect(cwd).not.toBe(process.cwd());
      expect(relative(tmpdir(), cwd).startsWith('..')).toBe(false);
      expect(env).toContain(`TMPDIR=${cwd}`);
      await cpu!.close();
      await new Promise((r) => setTimeout(r, 200));
      expect(existsSync(cwd)).toBe(false);
    } finally {
      await cpu!.close();
    }
  }, 180_000);

  it('verify leaves the folder it runs in untouched (no evidence asked for)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-cwd-'));
    try {
      const r = await runCli(['verify', 'cntk/mnist-8', '--backend', 'cpu,wasm', '--no-evidence', '-q'], {
        cwd: dir,
        timeoutMs: 180_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
      expect(statSync(dir).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('an address-space limit', () => {
  it("is named with the limit, from any runtime's memory failure", () => {
    expect(
      addressSpaceProblem('libonnxruntime.so.1: failed to map segment from shared object', 1024 * 1024 * 1024),
    ).toMatch(/address-space limit \(ulimit -v\) of 1024 MiB/);
    expect(addressSpaceProblem('RangeError: WebAssembly.Memory(): could not allocate memory', 2 ** 31)).toMatch(
      /2048 MiB/,
    );
    expect(addressSpaceProblem('Protobuf parsing failed', 2 ** 30)).toBeUndefined();
    expect(addressSpaceProblem('failed to map segment', undefined)).toBeUndefined();
  });

  it('makes the runtime unavailable with the limit and the fix, not "run npm ci" or a model load-error', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `ulimit -v 1000000; exec "${process.execPath}" "${cliPath}" verify cntk/mnist-8 --backend cpu,wasm --json --no-evidence -q`,
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    const text = `${r.stdout}\n${r.stderr}`;
    expect(text).toMatch(/address-space limit \(ulimit -v\) of 977 MiB/);
    expect(text).toMatch(/ulimit -v unlimited/);
    expect(text).not.toMatch(/npm ci/);
    expect(text).not.toMatch(/"status": "load-error"/);
  }, 180_000);
});

describe("the run path's structure, read from the imports", () => {
  const src = join(repoRoot, 'src');
  const files = sourceFiles(src);
  it('only src/isolation/ imports the worker protocol or the worker process', () => {
    const offenders = files.filter(
      (f) =>
        !f.startsWith(join(src, 'isolation')) &&
        imports(f).some((i) => /isolation\/(protocol|backendWorker)\.js$/.test(i)),
    );
    expect(offenders.map((f) => relative(src, f))).toEqual([]);
  });
  it('no module outside backends/ and the worker builds a backend', () => {
    const builders = files.filter((f) =>
      /\bdescriptor\.create\(|\.create\(\)\s*\)\)|createCpuBackend|createWasmBackend|createWebgpuBackend|createBrowserBackend/.test(
        readFileSync(f, 'utf8'),
      ),
    );
    expect(
      builders
        .map((f) => relative(src, f))
        .filter((f) => !f.startsWith('backends/') && f !== 'isolation/worker.ts' && f !== 'isolation/pool.ts'),
    ).toEqual([]);
  });
  it('tensor/ takes its dtypes from tensor/dtype.ts, not from onnx/', () => {
    const offenders = files.filter(
      (f) => f.startsWith(join(src, 'tensor')) && imports(f).some((i) => /onnx\/dtypes\.js$/.test(i)),
    );
    expect(offenders).toEqual([]);
  });
  it('tensor/ sits below onnx/: nothing in tensor/ imports from onnx/ (the protobuf binding is src/proto/)', () => {
    const offenders = files.filter(
      (f) => f.startsWith(join(src, 'tensor')) && imports(f).some((i) => /(^|\/)onnx\//.test(i)),
    );
    expect(offenders.map((f) => relative(src, f))).toEqual([]);
  });
  it('commands/ is the top layer: nothing outside it (but the CLI entry) imports from commands/', () => {
    const offenders = files.filter(
      (f) =>
        !f.startsWith(join(src, 'commands')) &&
        f !== join(src, 'cli.ts') &&
        imports(f).some((i) => /(^|\/)commands\//.test(i)),
    );
    expect(offenders.map((f) => relative(src, f))).toEqual([]);
  });
  it('every module under commands/ has one job: the one that had five (runSupport.ts) stays split', () => {
    expect(existsSync(join(src, 'commands', 'runSupport.ts'))).toBe(false);
    for (const f of ['interrupt', 'backendCheck', 'evidenceWrite', 'prepareModels', 'saveOutputs', 'verifyRun'])
      expect(existsSync(join(src, 'commands', `${f}.ts`)), f).toBe(true);
  });
  it('data flows one way: no module imports from a layer above its own', () => {
    // Low to high: model + test data -> backend -> comparison -> verification -> evidence -> scores,
    // report and the commands. A folder is one layer, except the modules named below.
    const order = [
      'errors',
      'util',
      'proto',
      'tensor',
      'onnx',
      'models',
      'data',
      'registry',
      'diagnose',
      'backends',
      'isolation',
      'compare',
      'stats',
      'verify',
      'evidence',
      'suite',
      'bisect',
      'bench',
      'zoo',
      'scorecard',
      'path',
      'report',
      'serve',
      'format',
      'commands',
      'index',
      'cli',
    ];
    const override: Record<string, string> = {
      // The capability registry's data (files, schemas, fingerprint attribution): below the verification
      // that attributes a user's model, while the scorecard's computation sits above the evidence.
      'scorecard/data.ts': 'registry',
      'scorecard/model.ts': 'registry',
      'scorecard/schemas.ts': 'registry',
      'scorecard/csv.ts': 'registry',
      'scorecard/attribution.ts': 'registry',
      'format/numbers.ts': 'util', // byte and duration units, no rendering
    };
    const layerOf = (file: string) => {
      const rel = relative(src, file).replace(/\.js$/, '.ts');
      const layer = override[rel] ?? (rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.ts$/, ''));
      return order.indexOf(layer);
    };
    const upward: string[] = [];
    for (const f of files.filter((x) => x.endsWith('.ts'))) {
      for (const i of imports(f).filter((x) => x.startsWith('.'))) {
        const target = join(f, '..', i);
        if (layerOf(f) < 0 || layerOf(target) < 0) upward.push(`${relative(src, f)}: unknown layer of ${i}`);
        else if (layerOf(target) > layerOf(f)) upward.push(`${relative(src, f)} imports ${relative(src, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });
  it('the page modules, as built, import nothing (the browser pages load them as they are)', async () => {
    const { PAGE_LIB_FILES } = await import('../src/backends/browser/ortWeb.js');
    for (const f of PAGE_LIB_FILES) expect(imports(join(repoRoot, 'dist', f)), f).toEqual([]);
  });
});

describe('why a worker died', () => {
  it('names the cause line of a native abort, not the last frame of its stack trace', () => {
    // stderr of a worker killed by SIGABRT when onnxruntime-node returned an int4 output (shortened).
    const stderr = [
      '<--- Last few GCs --->',
      '[13687:0x39e04c60]       89 ms: Mark-Compact (reduce) 3.7 (5.0) -> 3.7 (5.0) MB, 3.33 / 0.00 ms  external memory pressure',
      '<--- JS stacktrace --->',
      'FATAL ERROR: v8::ArrayBuffer::New Allocation failed - process out of memory',
      '----- Native stack trace -----',
      ' 6: 0x7f5b2429d983 OrtValueToNapiValue(Napi::Env, Ort::Value&&) [onnxruntime_binding.node]',
      '13: 0x195e376  [/usr/bin/node]',
      '',
    ].join('\n');
    expect(crashLine(stderr)).toBe('FATAL ERROR: v8::ArrayBuffer::New Allocation failed - process out of memory');
  });

  it('takes the latest cause, and otherwise the last line that is not noise', () => {
    expect(
      crashLine('Error: old\n\x1b[31mTypeError: x is not a function\x1b[0m\n    at f (a.js:1:1)\nNode.js v20'),
    ).toBe('TypeError: x is not a function');
    expect(crashLine('2026 [W:onnxruntime:, warn]\nsomething broke\n')).toBe('something broke');
    expect(crashLine('')).toBeUndefined();
  });
});
