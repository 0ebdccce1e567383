/**
 * Issue 14: `serve` accepts only results consistent with the judged model (names, dtypes, static
 * shapes; 422 and nothing written otherwise), says where a WebGPU adapter claim came from, answers
 * `/` and works on `--host ::1`; `zoo pull` stops a stalled transfer with one line naming the URL
 * and extracts only the test-data files it uses, within a cap from the declared sizes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { startServe, type ServeHandle } from '../src/serve/server.js';
import { encodeTensor } from '../src/serve/api.js';
import { resolveTargets } from '../src/models/catalog.js';
import { readEvidence } from '../src/evidence/store.js';
import { downloadVerified } from '../src/zoo/download.js';
import { extractTestDataSets, UnsafeArchiveError } from '../src/zoo/tar.js';
import { InputError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'owb-safety-serve-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function post(base: string, body: unknown): Promise<{ status: number; body: string }> {
  const url = new URL('/api/results', base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('serve judges only results the model can produce', () => {
  const evidenceDir = join(dir, 'evidence');
  let handle: ServeHandle;
  beforeAll(async () => {
    handle = await startServe({ evidenceDir, port: 0, targets: resolveTargets(['cntk/mnist-8']) });
  });
  afterAll(async () => {
    await handle?.close();
  });
  const records = () => (existsSync(evidenceDir) ? readdirSync(evidenceDir).filter((f) => f.endsWith('.json')) : []);

  const honest = () => {
    const m = handle.models[0]!;
    return {
      index: 0,
      sha256: m.model.sha256,
      backend: 'webgpu',
      userAgent: 'test',
      sessionCreateMs: 1,
      firstRunMs: 1,
      timesMs: [1, 1],
      adapter: { vendor: 'acme', architecture: 'rdna9', description: 'Acme GPU' },
      outputs: [...m.reference!].map(([name, t]) => encodeTensor(name, t)),
    };
  };

  it('a post that lies about names, dtypes or static shapes gets 422 and writes nothing', async () => {
    const ok = honest();
    const out = ok.outputs[0]!;
    const lies = [
      { ...ok, outputs: [{ ...out, name: 'not-an-output' }] },
      { ...ok, outputs: [out, out] },
      { ...ok, outputs: [] },
      { ...ok, outputs: [{ ...out, dtype: 'int32' }] },
      { ...ok, outputs: [{ ...out, dims: [10, 1], data: out.data }] },
      { ...ok, timesMs: [] },
    ];
    for (const lie of lies) {
      const r = await post(handle.url, lie);
      expect(r.status, r.body).toBe(422);
      expect(JSON.parse(r.body).error).toBeTruthy();
    }
    expect(records()).toEqual([]);
  });

  it('an honest post is stored; its hardware adapter says the claim came from the page', async () => {
    const r = await post(handle.url, honest());
    expect(r.status, r.body).toBe(201);
    const { records: stored } = readEvidence(evidenceDir);
    expect(stored).toHaveLength(1);
    const res = stored[0]!.results[0]!;
    expect(res.status).toBe('pass');
    expect(stored[0]!.backends[0]!.description!.adapter.source).toMatch(/claimed by the posting browser page/);
  });

  it('/ answers like /index.html', async () => {
    const root = await fetch(`${handle.url}/`);
    const index = await fetch(`${handle.url}/index.html`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe(await index.text());
  });
});

describe('serve --host ::1', () => {
  it('prints a bracketed URL and answers requests on it', async () => {
    const handle = await startServe({
      evidenceDir: join(dir, 'ev6'),
      host: '::1',
      port: 0,
      targets: resolveTargets(['cntk/mnist-8']),
    });
    try {
      expect(handle.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(new URL(handle.url).hostname).toBe('[::1]');
      const r = await fetch(`${handle.url}/api/models`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as unknown[]).length).toBe(1);
      expect((await fetch(`${handle.url}/`)).status).toBe(200);
    } finally {
      await handle.close();
    }
  });
});

describe('zoo pull limits', () => {
  let server: Server;
  let origin = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'Content-Length': '1000' });
        res.write(Buffer.alloc(10)); // then nothing, ever
        return;
      }
      if (req.url === '/silent') return; // no headers either
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a transfer with no data for the stall timeout stops with one line naming the URL', async () => {
    for (const path of ['/stall', '/silent']) {
      const dest = join(dir, `stalled${path.slice(1)}.onnx`);
      let e: unknown;
      try {
        await downloadVerified({ url: `${origin}${path}`, dest, sha256: 'a'.repeat(64), size: 1000, stallMs: 300 });
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(
        new RegExp(`^download of ${origin}${path} stalled: no data for 0.3 s at .*; run the command again to resume$`),
      );
    }
  });

  const archive = async (files: Record<string, string | Buffer>): Promise<string> => {
    const src = mkdtempSync(join(dir, 'tar-src-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(src, name, '..'), { recursive: true });
      writeFileSync(join(src, name), content);
    }
    const file = join(dir, `${createHash('sha1').update(src).digest('hex')}.tar.gz`);
    await createTar({ gzip: true, file, cwd: src }, Object.keys(files));
    return file;
  };

  it('only test_data_set_N/input_K.pb and output_K.pb are extracted', async () => {
    const a = await archive({
      'model/test_data_set_0/input_0.pb': 'in',
      'model/test_data_set_0/output_0.pb': 'out',
      'model/test_data_set_0/notes.txt': 'no',
      'model/test_data_set_0/deep/input_1.pb': 'no',
      'model/model.onnx': 'no',
    });
    const dest = join(dir, 'extracted');
    expect(await extractTestDataSets(a, dest)).toEqual(['test_data_set_0']);
    expect(readdirSync(join(dest, 'test_data_set_0')).sort()).toEqual(['input_0.pb', 'output_0.pb']);
    expect(readFileSync(join(dest, 'test_data_set_0', 'output_0.pb'), 'utf8')).toBe('out');
  });

  it('test data declaring more than the cap is refused before it is written, and nothing is kept', async () => {
    const a = await archive({
      'm/test_data_set_0/input_0.pb': Buffer.alloc(3000),
      'm/test_data_set_1/input_0.pb': Buffer.alloc(3000),
    });
    const dest = join(dir, 'capped');
    let e: unknown;
    try {
      await extractTestDataSets(a, dest, { maxBytes: 4000 });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UnsafeArchiveError);
    expect((e as Error).message).toMatch(/declares more than 4000 bytes/);
    expect(readdirSync(dest)).toEqual([]);
  });
});
