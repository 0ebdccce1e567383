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
import { buildMatrix, buildLatency, buildFindings, compareLatency } from '../src/report/data.js';
import type { RefreshResult } from '../src/scorecard/refresh.js';
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
  it('compares each model across backends: ratio to cpu, the fastest non-software backend', () => {
    const rows = buildLatency([recent]);
    const fast = { ...rows.find((r) => r.model === 'm1' && r.backend === 'cpu')!, backend: 'wasm' as const, p50: 1 };
    const cmp = compareLatency([...rows, fast]);
    const m1 = cmp.models.find((m) => m.model === 'm1')!;
    expect(cmp.backends).toEqual(['cpu', 'wasm', 'webgpu']);
    expect(m1.cells.wasm!.vsCpu).toBeCloseTo(0.5);
    expect(m1.cells.webgpu!.adapter).toBe('software');
    expect(m1.fastest).toBe('wasm'); // webgpu (software) ties cpu at 2 ms but never counts
  });
  it('finds rank and tier changes, non-passes grouped by backend and cause, fallback and software WebGPU', () => {
    const withPlacement = makeRecord(
      'verify',
      machineInfo(),
      [{ id: 'webgpu', available: true }],
      [
        {
          ...res('m4', 'cntk', 'webgpu', 'pass', 'software'),
          placement: {
            allOnOne: false,
            groups: [
              { executionProvider: 'WebGpuExecutionProvider', nodes: 10, ops: [] },
              { executionProvider: 'CPUExecutionProvider', nodes: 2, ops: [] },
            ],
          },
        },
      ],
    );
    const cell = (
      framework: string,
      rank: [number, number],
      tier: [1 | 2 | 3, 1 | 2 | 3 | null],
      onnx: [number, number],
    ) => ({
      framework,
      name: framework.toUpperCase(),
      articleOnnx: onnx[0],
      refreshedOnnx: onnx[1],
      levelLabel: 'documented only',
      overall: { article: 70, refreshed: 60 },
      rank: { article: rank[0], refreshed: rank[1] },
      tier: { article: tier[0], refreshed: tier[1] },
    });
    const refreshed = {
      cells: [cell('mxnet', [1, 3], [1, 2], [100, 0]), cell('cntk', [2, 2], [1, 1], [100, 100])],
    } as unknown as RefreshResult;
    const f = buildFindings([old, recent, withPlacement], refreshed, (r) => ({
      kind: 'k',
      line: `cause of ${r.status}`,
    }));
    expect(f.scoreChanges.map((c) => [c.framework, c.rank, c.tier])).toEqual([
      ['mxnet', { article: 1, refreshed: 3 }, { article: 1, refreshed: 2 }],
    ]);
    expect(f.failures).toEqual([
      { backend: 'cpu', status: 'load-error', expected: true, kind: 'k', cause: 'cause of load-error', models: ['m2'] },
    ]);
    expect(f.pass).toBe(4);
    expect(f.fallbacks).toEqual([
      {
        model: 'm4',
        backend: 'webgpu',
        groups: [
          { executionProvider: 'WebGpuExecutionProvider', nodes: 10 },
          { executionProvider: 'CPUExecutionProvider', nodes: 2 },
        ],
      },
    ]);
    expect(f.software.map((s) => s.backend)).toEqual(['webgpu']);
    expect(f.unavailable).toEqual([{ backend: 'browser-wasm', reason: 'no chromium' }]);
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

  it('renders findings, matrix, the merged scorecard, latency and provenance offline, with no console errors or network requests', async () => {
    expect(readdirSync(join(out, 'records')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
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
    for (const id of ['chart-overall', 'chart-bars', 'radar-0', 'chart-latency']) {
      expect(await page.locator(`#${id} svg`).count(), id).toBe(1);
    }
    // Key findings first, on the first screen.
    expect(await page.locator('h2').first().textContent()).toBe('Key findings');
    const findingsTop = await page.locator('#findings').evaluate((e) => e.getBoundingClientRect().top);
    expect(findingsTop).toBeLessThan(900);
    const findings = (await page.locator('#findings').textContent())!;
    expect(findings).toMatch(/Refreshing the ONNX column from the evidence changes \d+ frameworks?/);
    expect(findings).toMatch(/MXNet: rank 1 → \d+/); // MXNet is documented only here: ONNX 100 -> 0
    expect(findings).toMatch(/pytorch\/pytorch-converted\/test_AvgPool1d|no kernel for AveragePool/);
    // One merged scorecard: 13 rows, cells that differ between views marked.
    expect(await page.locator('#scorecard table#scorecard-table').count()).toBe(1);
    expect(await page.locator('#scorecard-table tbody tr').count()).toBe(13);
    expect(await page.locator('#scorecard-table td[data-changed="true"]').count()).toBeGreaterThan(0);
    expect(
      await page.locator('#scorecard-table tr[data-framework="chainer"] td[data-changed="true"]').count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('#matrix tbody tr').count()).toBe(13);
    expect(await page.locator('#matrix td[data-state="pass"]').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#matrix tr:has(th:text("mxnet")) td[data-state="documented only"]').count()).toBe(5);
    // Provenance collapsed, still all there.
    expect(await page.locator('#provenance-details').getAttribute('open')).toBeNull();
    expect(await page.locator('#provenance tbody tr').count()).toBeGreaterThan(100);
    // Per model, backend against backend.
    const mnist = page.locator('#latency-by-model tr:has(th:text-is("cntk/mnist-8")) td');
    expect(await mnist.count()).toBe(2); // cpu, wasm
    expect(await mnist.nth(1).textContent()).toMatch(/ms\d+\.\d\d× cpu/);
    expect(await page.locator('#chart-latency svg text').allTextContents()).toContain('cntk/mnist-8 · wasm');

    const artifacts = resolve('test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report-1400.png') });
    await page.screenshot({ path: join(artifacts, 'report-1400-full.png'), fullPage: true });
    // Chart text at least 10 px as shown: font size times the SVG's displayed scale (every chart, details opened).
    await page.evaluate(() =>
      document.querySelectorAll('details').forEach((d) => ((d as HTMLDetailsElement).open = true)),
    );
    const smallest = await page.evaluate(() => {
      let min = Infinity;
      for (const svg of document.querySelectorAll<SVGSVGElement>('.chart svg')) {
        const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
        for (const t of svg.querySelectorAll('text')) {
          if (!t.textContent?.trim()) continue;
          min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * scale);
        }
      }
      return min;
    });
    expect(smallest).toBeGreaterThanOrEqual(10);
    // No sideways scroll at a laptop's width, details open or closed.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // On a phone the scorecard's overall column is on screen without scrolling the table.
    const overall = await page
      .locator('#scorecard-table th', { hasText: /^overall$/ })
      .evaluate((e) => e.getBoundingClientRect().right);
    expect(overall).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, 'report-390.png') });
    await page.screenshot({ path: join(artifacts, 'report-390-full.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'report-390.png'))).toBe(true);
    expect(errors).toEqual([]);
    expect(remote).toEqual([]);
    await page.close();
  });
});
