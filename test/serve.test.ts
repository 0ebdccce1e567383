/**
 * serve: the runner page in Chromium (software WebGPU here) runs two small models on both backends;
 * the server judges the posted outputs and writes evidence. Bad posts are refused with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { startServe, type ServeHandle } from '../src/serve/server.js';
import { resolveTargets } from '../src/models/catalog.js';
import { readEvidence } from '../src/evidence/store.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-test-'));
const evidenceDir = join(dir, 'evidence');
let handle: ServeHandle;
let browser: Browser;

const jsonFiles = () => {
  try {
    return readdirSync(evidenceDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
};

function post(
  path: string,
  body: string | Buffer,
  contentType = 'application/json',
): Promise<{ status: number; body: string }> {
  const url = new URL(path, handle.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': contentType } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  handle = await startServe({
    evidenceDir,
    port: 0,
    maxBodyBytes: 4 * 1024 * 1024,
    targets: resolveTargets(['cntk/mnist-8', 'tensorflow/keras-dense-tf2onnx', 'caffe2/light-squeezenet']),
  });
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
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve', () => {
  it('runs two models on wasm and webgpu in the page; results appear live and land as evidence', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${handle.url}/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
    await page.check('input[data-id="cntk/mnist-8"]');
    await page.check('input[data-id="tensorflow/keras-dense-tf2onnx"]');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length >= 4, null, {
      timeout: 540_000,
    });
    const rows = await page.$$eval('#results tbody tr', (trs) =>
      trs.map((tr) => ({
        model: (tr as HTMLElement).dataset.model,
        backend: (tr as HTMLElement).dataset.backend,
        status: (tr as HTMLElement).dataset.status,
      })),
    );
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.status, `${r.model} ${r.backend}`).toBe('pass');
    expect(errors).toEqual([]);
    const { records } = readEvidence(evidenceDir);
    expect(records).toHaveLength(4);
    for (const rec of records) {
      expect(rec.kind).toBe('browser');
      expect(rec.userAgent).toMatch(/Chrome/);
      const r = rec.results[0]!;
      expect(r.status).toBe('pass');
      expect(r.referenceKind).toBe('exporter');
      if (r.backend === 'browser-webgpu') {
        expect(r.adapter.kind).toBe('software');
        expect(r.adapter.architecture ?? r.adapter.vendor).toBeTruthy();
      } else expect(r.adapter.kind).toBe('cpu');
    }
    await page.close();
  });

  it('refuses malformed, oversized, mistyped and unknown posts, writing nothing', async () => {
    const before = jsonFiles().length;
    expect((await post('/api/results', '{not json')).status).toBe(400);
    expect((await post('/api/results', JSON.stringify({ index: 0 }))).status).toBe(400);
    expect((await post('/api/results', 'x', 'text/plain')).status).toBe(415);
    expect((await post('/api/results', Buffer.alloc(5 * 1024 * 1024, 32))).status).toBe(413);
    const wrongSha = {
      index: 0,
      sha256: 'f'.repeat(64),
      backend: 'wasm',
      userAgent: 'test',
      error: { stage: 'load', message: 'x' },
    };
    expect((await post('/api/results', JSON.stringify(wrongSha))).status).toBe(409);
    expect((await post('/api/results', JSON.stringify({ ...wrongSha, index: 99 }))).status).toBe(404);
    const goodSha = handle.models[0]!.model.sha256;
    const badOutput = {
      index: 0,
      sha256: goodSha,
      backend: 'wasm',
      userAgent: 'test',
      sessionCreateMs: 1,
      firstRunMs: 1,
      timesMs: [1],
      outputs: [{ name: 'y', dtype: 'float32', dims: [1000000], data: 'AAAA' }],
    };
    expect((await post('/api/results', JSON.stringify(badOutput))).status).toBe(422); // 'y' is not an output of mnist-8
    expect(jsonFiles().length).toBe(before);
  });

  it('serves nothing outside its folders', async () => {
    for (const p of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/report/../../package.json',
      '/ort/../package.json',
    ]) {
      const res = await fetch(new URL(p, handle.url).href.replace(/\/%2e%2e\//, '/%2e%2e/'));
      expect([403, 404], p).toContain(res.status);
    }
    expect((await fetch(`${handle.url}/api/models/7/model`)).status).toBe(404);
  });
});
