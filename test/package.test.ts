/**
 * The package as users get it: `npm pack` (what package.json `files` ships), installed into a
 * temporary folder without a network (the tarball unpacked as node_modules/onnx-workbench, its
 * dependencies linked from this checkout's node_modules, as an offline install resolves them),
 * then `verify` (cpu and browser-wasm: the runner page and its /lib/ modules ship), `serve`
 * (its page, onnxruntime-web and the shared page modules are served) and the library entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers/cli.js';

let root: string;
let app: string;
let cli: string;

function childEnv(): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k];
  return env as NodeJS.ProcessEnv;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'owb-pack-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', root, '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: childEnv(),
  });
  const tgz = join(root, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  app = join(root, 'app');
  const modules = join(app, 'node_modules');
  mkdirSync(modules, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'owb-pack-test', version: '1.0.0', private: true, type: 'module' }),
  );
  execFileSync('tar', ['-xzf', tgz, '-C', modules]);
  execFileSync('mv', [join(modules, 'package'), join(modules, 'onnx-workbench')]);
  for (const dep of readdirSync(join(repoRoot, 'node_modules'))) {
    if (dep.startsWith('.') || dep === 'onnx-workbench') continue;
    symlinkSync(join(repoRoot, 'node_modules', dep), join(modules, dep));
  }
  cli = join(modules, 'onnx-workbench', 'dist', 'cli.js');
}, 180_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the pages the browser backends and serve load', () => {
    const pkg = join(app, 'node_modules', 'onnx-workbench');
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/isolation/worker.js',
      'dist/backends/measureLoop.js',
      'dist/tensor/dtype.js',
      'dist/backends/adapter.js',
      'src/backends/browser/page/runner.html',
      'src/backends/browser/page/runner.js',
      'src/serve/page/index.html',
      'src/serve/page/serve.js',
    ]) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    expect(existsSync(join(pkg, 'test'))).toBe(false);
  });

  it('verify runs from the installed package, on cpu and in Chromium', () => {
    const out = execFileSync(
      process.execPath,
      [cli, 'verify', 'cntk/mnist-8', '--backend', 'cpu,browser-wasm', '--json', '-q', '--no-evidence'],
      { cwd: app, encoding: 'utf8', env: childEnv(), timeout: 240_000 },
    );
    const run = JSON.parse(out) as { ok: boolean; results: { backend: string; status: string }[] };
    expect(run.results.map((r) => `${r.backend}:${r.status}`)).toEqual(['cpu:pass', 'browser-wasm:pass']);
    expect(run.ok).toBe(true);
    expect(readdirSync(app).sort()).toEqual(['node_modules', 'package.json']); // nothing written where it ran
  }, 300_000);

  it('the library entry imports and verifies', () => {
    const script = `
      import { resolveTargets, prepareTarget, startBackends, verifyWith, computeScorecard, refreshScores, BACKEND_IDS } from 'onnx-workbench';
      const models = resolveTargets(['cntk/mnist-8']).map((t) => prepareTarget(t));
      const set = await startBackends(['cpu']);
      try {
        const run = await verifyWith(models, set, { backends: ['cpu'], plan: { warmup: 0, iterations: 1 } });
        console.log(JSON.stringify({ status: run.results.map((r) => r.status), ids: BACKEND_IDS.length, scorecard: typeof computeScorecard, refresh: typeof refreshScores }));
      } finally { await set.close(); }`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      encoding: 'utf8',
      env: childEnv(),
      timeout: 120_000,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      status: ['pass'],
      ids: 5,
      scorecard: 'function',
      refresh: 'function',
    });
  }, 180_000);

  it('serve serves its page, onnxruntime-web and the shared page modules from the installed package', async () => {
    const evidence = join(root, 'evidence');
    mkdirSync(evidence);
    const child = spawn(
      process.execPath,
      [cli, 'serve', '--port', '0', '--evidence-dir', evidence, '--report-dir', join(root, 'no-report')],
      { cwd: app, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          text += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      for (const path of [
        '/index.html',
        '/serve.js',
        '/ort/ort.min.js',
        '/lib/backends/measureLoop.js',
        '/lib/tensor/dtype.js',
        '/lib/backends/adapter.js',
        '/api/models',
      ]) {
        const res = await fetch(`${url}${path}`);
        expect(res.status, path).toBe(200);
      }
      expect((await fetch(`${url}/lib/cli.js`)).status).toBe(404); // only the page modules are served from dist/
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);
});
