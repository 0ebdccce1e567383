/**
 * serve with the user's own model: a .onnx (plus optional .npz) picked or dropped on the page is
 * validated and served by the server like a bundled model; the posted results go through the same
 * checks; fallback nodes are shown; WebGPU is unticked in a browser without an adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { startServe, type ServeHandle } from '../src/serve/server.js';
import { resolveTargets } from '../src/models/catalog.js';
import { readEvidence } from '../src/evidence/store.js';
import { uploadName } from '../src/serve/uploads.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-upload-'));
const evidenceDir = join(dir, 'evidence');
const gru = join(dir, 'gru.onnx');
const gruNpz = join(dir, 'gru.npz');
const mnist = join(dir, 'mnist.onnx');
let handle: ServeHandle;
let browser: Browser;

const records = () => {
  try {
    return readdirSync(evidenceDir).filter((f) => f.endsWith('.json')).length;
  } catch {
    return 0;
  }
};

function send(path: string, body: Buffer | string, contentType: string): Promise<{ status: number; body: string }> {
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
  copyFileSync('models/pytorch/fresh-gru/model.onnx', gru);
  copyFileSync('models/cntk/mnist-8/model.onnx', mnist);
  // The inputs and cpu outputs of the GRU in the layout --inputs reads: the user's reference.
  const saved = await runCli([
    'verify',
    'models/pytorch/fresh-gru/model.onnx',
    '--backend',
    'cpu',
    '--save-outputs',
    gruNpz,
    '--no-evidence',
    '-q',
  ]);
  expect(saved.code, saved.stderr).toBe(0);
  handle = await startServe({ evidenceDir, port: 0, targets: resolveTargets(['cntk/mnist-8']) });
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

describe('serve: your own model', () => {
  it('a picked .onnx + .npz runs on wasm and webgpu; the GRU fallback is shown; records name the upload', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${handle.url}/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
    expect(await page.isChecked('#be-webgpu')).toBe(true); // SwiftShader is an adapter
    await page.setInputFiles('#upload', [gru, gruNpz]);
    await page.waitForSelector('#upload-status[data-uploaded="upload/gru.onnx"]', { timeout: 120_000 });
    expect(await page.textContent('#upload-status')).toMatch(/reference user/);
    expect(await page.isChecked('input[data-id="upload/gru.onnx"]')).toBe(true);
    expect(await page.isChecked('input[data-id="cntk/mnist-8"]')).toBe(false);
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length >= 2, null, {
      timeout: 540_000,
    });
    const rows = await page.$$eval('#results tbody tr', (trs) =>
      trs.map((tr) => ({
        model: (tr as HTMLElement).dataset.model,
        backend: (tr as HTMLElement).dataset.backend,
        status: (tr as HTMLElement).dataset.status,
        offEp: tr.querySelector('td[data-off-ep]')?.textContent,
      })),
    );
    expect(rows).toEqual([
      { model: 'upload/gru.onnx', backend: 'wasm', status: 'pass', offEp: 'none' },
      { model: 'upload/gru.onnx', backend: 'webgpu', status: 'pass', offEp: '2 fell back (GRU), 4 Memcpy' },
    ]);
    const fallback = await page.$$eval('#fallback li[data-op]', (lis) => lis.map((li) => li.textContent));
    expect(fallback).toEqual([
      'GRU (/gru/GRU): onnxruntime: "webgpu kernel not found in registries for Op type: GRU"',
      'GRU (/gru/GRU_1): onnxruntime: "webgpu kernel not found in registries for Op type: GRU"',
    ]);
    expect(await page.textContent('#fallback')).toMatch(/4 Memcpy node\(s\): 4 host-device copies per run/);
    expect(errors).toEqual([]);
    const { records: recs } = readEvidence(evidenceDir);
    expect(recs).toHaveLength(2);
    for (const rec of recs) {
      const r = rec.results[0]!;
      expect(r).toMatchObject({
        model: 'upload/gru.onnx',
        path: 'upload/gru.onnx',
        status: 'pass',
        referenceKind: 'user',
        framework: 'pytorch',
        frameworkBy: 'fingerprint',
      });
      if (r.backend === 'browser-webgpu')
        expect(r.placement).toMatchObject({
          analysis: { fallback: [{ op: 'GRU' }, { op: 'GRU' }], memcpy: 4 },
          source: expect.stringMatching(/posting browser page.*not verified by the server/),
        });
    }
    await page.close();
  });

  it('posts for an uploaded model are checked like any other: a lying post gets 422 and writes nothing', async () => {
    const up = await send(
      `/api/uploads?name=${encodeURIComponent('mnist.onnx')}`,
      readFileSync(mnist),
      'application/octet-stream',
    );
    expect(up.status).toBe(201);
    const m = JSON.parse(up.body);
    expect(m).toMatchObject({ id: 'upload/mnist.onnx', uploaded: true, reference: 'none' });
    const before = records();
    const base = {
      index: m.index,
      sha256: m.sha256,
      backend: 'wasm',
      userAgent: 'test',
      sessionCreateMs: 1,
      firstRunMs: 1,
      timesMs: [1],
    };
    const out = (name: string, dims: number[]) => ({
      name,
      dtype: 'float32',
      dims,
      data: Buffer.alloc(4 * dims.reduce((a, b) => a * b, 1)).toString('base64'),
    });
    const wrongName = await send(
      '/api/results',
      JSON.stringify({ ...base, outputs: [out('nope', [1, 10])] }),
      'application/json',
    );
    expect(wrongName.status).toBe(422);
    expect(wrongName.body).toMatch(/not an output of this model/);
    const wrongShape = await send(
      '/api/results',
      JSON.stringify({ ...base, outputs: [out(m.outputs[0], [1, 11])] }),
      'application/json',
    );
    expect(wrongShape.status).toBe(422);
    const wrongHash = await send(
      '/api/results',
      JSON.stringify({ ...base, sha256: '0'.repeat(64), outputs: [out(m.outputs[0], [1, 10])] }),
      'application/json',
    );
    expect(wrongHash.status).toBe(409);
    expect(records()).toBe(before);
    // An honest post for the upload is stored: no reference, so no-reference.
    const ok = await send(
      '/api/results',
      JSON.stringify({ ...base, outputs: [out(m.outputs[0], [1, 10])] }),
      'application/json',
    );
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body).result).toMatchObject({ model: 'upload/mnist.onnx', status: 'no-reference' });
  });

  it('bad uploads get one line naming the file, never the server folder', async () => {
    const junk = await send(
      '/api/uploads?name=mine.onnx',
      Buffer.from('not a model at all'),
      'application/octet-stream',
    );
    expect(junk.status).toBe(422);
    const error = JSON.parse(junk.body).error as string;
    expect(error).toMatch(/^mine\.onnx: /);
    expect(error).not.toContain(tmpdir());
    expect((await send('/api/uploads?name=x.txt', Buffer.from('x'), 'application/octet-stream')).status).toBe(400);
    expect((await send('/api/uploads?name=m.onnx', 'x', 'text/plain')).status).toBe(415);
    const badSplit = await send(
      '/api/uploads?name=m.onnx&npz=d.npz&modelBytes=999999',
      readFileSync(mnist),
      'application/octet-stream',
    );
    expect(badSplit.status).toBe(400);
    expect(uploadName('C:\\Users\\me\\my\u001bmodel.onnx', '.onnx')).toBe('mymodel.onnx');
  });

  it('a dropped .onnx without data runs on wasm; with no WebGPU adapter, webgpu is unticked', async () => {
    const context = await browser.newContext();
    // A browser without WebGPU: no navigator.gpu at all.
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    const page = await context.newPage();
    await page.goto(`${handle.url}/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
    expect(await page.isChecked('#be-webgpu')).toBe(false);
    expect(await page.isDisabled('#be-webgpu')).toBe(true);
    expect(await page.textContent('#adapter')).toMatch(/no adapter in this browser.*webgpu is unticked/);
    const bytes = readFileSync(mnist).toString('base64');
    const transfer = await page.evaluateHandle((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], 'dropped.onnx'));
      return dt;
    }, bytes);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
    await page.waitForSelector('#upload-status[data-uploaded="upload/dropped.onnx"]', { timeout: 120_000 });
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length >= 1, null, {
      timeout: 300_000,
    });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('done'), null, {
      timeout: 300_000,
    });
    const rows = await page.$$eval('#results tbody tr', (trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.backend, (tr as HTMLElement).dataset.status]),
    );
    expect(rows).toEqual([['wasm', 'no-reference']]);
    await context.close();
  });
});
