/**
 * The report: data assembly (unit) and the generated site opened from disk in Chromium with the
 * network blocked (charts and tables rendered, no console errors, no requests leaving file://).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildMatrix, buildLatency } from '../src/report/data.js';
import { makeRecord } from '../src/evidence/store.js';
import { machineInfo } from '../src/util/machine.js';
import type { ModelResult } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';

const stats = {
  n: 3,
  min: 1,
  mean: 2,
  p50: 2,
  p90: 2.5,
  p99: 2.9,
  max: 3,
  stdev: 1,
  medianCI95: [1, 3] as [number, number],
  medianCICoverage: 0.75,
};
function res(
  model: string,
  framework: string,
  backend: ModelResult['backend'],
  status: ModelResult['status'],
  kind: 'cpu' | 'software' = 'cpu',
): ModelResult {
  return {
    model,
    path: model,
    sha256: 'a'.repeat(64),
    producerName: 'p',
    producerVersion: '1',
    framework,
    backend,
    adapter: { kind },
    status,
    meetsExpectation: true,
    referenceKind: 'exporter',
    referenceSource: 't',
    tolerance: { atol: 0, rtol: 0 },
    latency: { sessionCreateMs: 1, firstRunMs: 5, stats },
  };
}

describe('report data', () => {
  const old = makeRecord(
    'verify',
    machineInfo(),
    [{ id: 'cpu', available: true }],
    [res('m1', 'cntk', 'cpu', 'mismatch')],
  );
  old.createdAt = '2026-01-01T00:00:00.000Z';
  const recent = makeRecord(
    'verify',
    machineInfo(),
    [
      { id: 'cpu', available: true },
      { id: 'browser-wasm', available: false, reason: 'no chromium' },
    ],
    [
      res('m1', 'cntk', 'cpu', 'pass'),
      res('m1', 'cntk', 'webgpu', 'pass', 'software'),
      res('m2', 'pytorch', 'cpu', 'load-error'),
      res('m3', 'pytorch', 'cpu', 'pass'),
    ],
  );
  const matrix = buildMatrix([old, recent], ['cntk', 'pytorch', 'mxnet'], (r) => r.framework);
  const cell = (f: string, b: string) => matrix.cells.find((c) => c.framework === f && c.backend === b)!;

  it('uses the newest result per model and backend', () => {
    expect(cell('cntk', 'cpu')).toMatchObject({ state: 'pass', counts: { pass: 1 } });
  });
  it('marks documented-only frameworks, unavailable and not-run backends, and mixed cells', () => {
    expect(cell('mxnet', 'cpu').state).toBe('documented only');
    expect(cell('cntk', 'browser-wasm').state).toBe('unavailable');
    expect(cell('cntk', 'wasm').state).toBe('not run');
    expect(cell('pytorch', 'cpu')).toMatchObject({ state: 'mixed', counts: { pass: 1, 'load-error': 1 } });
  });
  it('keeps software WebGPU visible in cells and latency rows', () => {
    expect(cell('cntk', 'webgpu').adapters).toEqual(['software']);
    expect(buildLatency([recent]).find((r) => r.backend === 'webgpu')!.adapter).toBe('software');
  });
});

describe('report in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-test-'));
  const evidence = join(dir, 'evidence');
  const out = join(dir, 'site');
  let browser: Browser;

  beforeAll(async () => {
    const v = await runCli(
      [
        'verify',
        'cntk/mnist-8',
        'tensorflow/keras-dense-tf2onnx',
        'pytorch/pytorch-converted/test_AvgPool1d',
        '--backend',
        'cpu,wasm',
        '-q',
        '--evidence-dir',
        evidence,
      ],
      { timeoutMs: 120_000 },
    );
    expect(v.code).toBe(0);
    const r = await runCli(['report', '--evidence-dir', evidence, '--out', out], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    browser = await chromium.launch({
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the scorecards, matrix, latency and provenance offline, with no console errors or network requests', async () => {
    expect(readdirSync(join(out, 'records')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const remote: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`failed: ${r.url()}`));
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith('file://')) return route.continue();
      remote.push(route.request().url());
      return route.abort();
    });
    await page.goto(pathToFileURL(join(out, 'index.html')).href);
    for (const id of [
      'chart-overall',
      'chart-bars-published',
      'chart-bars-corrected',
      'chart-bars-refreshed',
      'radar-0',
      'chart-latency',
    ]) {
      expect(await page.locator(`#${id} svg`).count(), id).toBe(1);
    }
    expect(await page.locator('#scorecard table').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#matrix tbody tr').count()).toBe(13);
    expect(await page.locator('#matrix td[data-state="pass"]').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#matrix tr:has(th:text("mxnet")) td[data-state="documented only"]').count()).toBe(5);
    expect(await page.locator('#provenance tbody tr').count()).toBeGreaterThan(100);
    expect(await page.locator('#chart-latency svg text').allTextContents()).toContain('cntk/mnist-8 · wasm');
    expect(errors).toEqual([]);
    expect(remote).toEqual([]);
    const artifacts = resolve('test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'report.png'))).toBe(true);
    await page.close();
  });
});
