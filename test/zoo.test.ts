/**
 * The ONNX model zoo as a source, end to end against a local HTTP server on 127.0.0.1 (ephemeral
 * port): list, pull (sha256 + size check, Range resume, redirects, safe tar extraction, producer
 * check, manifest), offline errors, and verify on the cpu backend. Fixtures are built here from the
 * bundled mnist-8 (byte-identical to the zoo's mnist-8.onnx) and its test_data_set_0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { InputError } from '../src/errors.js';
import { readManifest } from '../src/models/manifest.js';
import { findEntries, loadCurated, parseCurated, type ZooEntry } from '../src/zoo/catalog.js';
import { describeNetworkError, downloadVerified, IntegrityError } from '../src/zoo/download.js';
import { loadHubIndex } from '../src/zoo/hub.js';
import { checkProducer } from '../src/zoo/producers.js';
import { isPulled, pullEntry, zooTarget } from '../src/zoo/pull.js';
import { extractTestDataSets, safeSegments, UnsafeArchiveError } from '../src/zoo/tar.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MNIST = join(ROOT, 'models', 'cntk', 'mnist-8');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------- tar fixtures

interface TarItem {
  name: string;
  data?: Buffer;
  type?: string;
  linkname?: string;
  pax?: Record<string, string>;
}

function tarHeader(name: string, size: number, type: string, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('14000000000\0', 136);
  h.fill(0x20, 148, 156);
  h.write(type, 156);
  h.write(linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function paxRecords(kv: Record<string, string>): Buffer {
  let out = '';
  for (const [k, v] of Object.entries(kv)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    out += `${len}${body}`;
  }
  return Buffer.from(out, 'utf8');
}

function tarGz(items: TarItem[]): Buffer {
  const parts: Buffer[] = [];
  const add = (name: string, data: Buffer, type: string, linkname?: string) => {
    parts.push(tarHeader(name, data.length, type, linkname));
    parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  };
  for (const it of items) {
    if (it.pax) add('PaxHeader', paxRecords(it.pax), 'x');
    add(it.name, it.data ?? Buffer.alloc(0), it.type ?? '0', it.linkname);
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

// ---------------------------------------------------------------- server

interface Route {
  body: Buffer;
  noRange?: boolean;
  truncateOnce?: boolean;
  contentType?: string;
}
interface Seen {
  method: string;
  path: string;
  range?: string;
  status?: number;
}

const model = readFileSync(join(MNIST, 'model.onnx'));
const input0 = readFileSync(join(MNIST, 'test_data_set_0', 'input_0.pb'));
const output0 = readFileSync(join(MNIST, 'test_data_set_0', 'output_0.pb'));
const corruptModel = Buffer.from(model);
corruptModel[1000] = corruptModel[1000]! ^ 0xff;
const mnistTar = tarGz([
  { name: 'mnist/', type: '5' },
  { name: 'mnist/model.onnx', data: model },
  { name: 'mnist/test_data_set_0/', type: '5' },
  { name: 'mnist/test_data_set_0/input_0.pb', data: input0 },
  { name: 'mnist/test_data_set_0/output_0.pb', data: output0 },
  { name: 'mnist/test_data_set_0/._output_0.pb', data: Buffer.from('AppleDouble junk') },
  // a long name carried by a pax header, as GNU/BSD tar write for paths over 100 bytes
  { name: 'PaxLongName', data: input0, pax: { path: `mnist/${'deep/'.repeat(25)}test_data_set_1/input_0.pb` } },
  { name: 'mnist/test_data_set_1/output_0.pb', data: output0 },
]);
const evilTar = tarGz([
  { name: 'mnist/test_data_set_0/input_0.pb', data: input0 },
  { name: 'mnist/test_data_set_0/../../../escaped.pb', data: output0 },
]);
const lfsPointer = Buffer.from(
  `version https://git-lfs.github.com/spec/v1\noid sha256:${sha(model)}\nsize ${model.length}\n`,
);

const routes = new Map<string, Route>();
const seen: Seen[] = [];
let server: Server;
let origin = '';
let work = '';

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const record: Seen = {
    method: req.method ?? 'GET',
    path: url.pathname,
    ...(req.headers.range ? { range: req.headers.range } : {}),
  };
  seen.push(record);
  const reply = (status: number, headers: Record<string, string | number>, body?: Buffer) => {
    record.status = status;
    res.writeHead(status, headers);
    res.end(body);
  };
  if (url.pathname.startsWith('/redirect/')) {
    reply(302, { Location: `${origin}/${url.pathname.slice('/redirect/'.length)}` });
    return;
  }
  const route = routes.get(url.pathname);
  if (!route) {
    reply(404, { 'Content-Type': 'text/plain' }, Buffer.from('not found'));
    return;
  }
  const body = route.body;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && !route.noRange) {
    const start = Number(m[1]);
    if (start >= body.length) {
      reply(416, { 'Content-Range': `bytes */${body.length}` });
      return;
    }
    reply(
      206,
      {
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Content-Length': body.length - start,
        'Accept-Ranges': 'bytes',
      },
      body.subarray(start),
    );
    return;
  }
  if (route.truncateOnce) {
    route.truncateOnce = false;
    record.status = 200;
    res.writeHead(200, { 'Content-Length': body.length });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  reply(
    200,
    {
      'Content-Length': body.length,
      'Content-Type': route.contentType ?? 'application/octet-stream',
      ...(route.noRange ? {} : { 'Accept-Ranges': 'bytes' }),
    },
    body,
  );
}

const file = (path: string, body: Buffer) => ({ path, sha256: sha(body), size: body.length });

/** The curated-style list the server's files belong to. */
function curatedList(): unknown[] {
  return [
    {
      name: 'mnist-8',
      framework: 'cntk',
      onnx: file('validated/mnist/model/mnist-8.onnx', model),
      tar_gz: file('validated/mnist/model/mnist-8.tar.gz', mnistTar),
    },
    // served corrupted: same size, one byte flipped, so only the sha256 can tell
    { name: 'corrupt-8', framework: 'cntk', onnx: { ...file('validated/corrupt/corrupt-8.onnx', model) } },
    {
      name: 'evil-8',
      framework: 'cntk',
      onnx: file('validated/evil/evil-8.onnx', model),
      tar_gz: file('validated/evil/evil-8.tar.gz', evilTar),
    },
    {
      name: 'labelled-pytorch-8',
      framework: 'pytorch',
      onnx: file('validated/mislabelled/labelled-pytorch-8.onnx', model),
    },
    { name: 'resume-8', framework: 'cntk', onnx: file('validated/resume/resume-8.onnx', model) },
    { name: 'norange-8', framework: 'cntk', onnx: file('validated/norange/norange-8.onnx', model) },
    { name: 'cut-8', framework: 'cntk', onnx: file('validated/cut/cut-8.onnx', model) },
    { name: 'lfs-8', framework: 'cntk', onnx: file('validated/lfs/lfs-8.onnx', model) },
  ];
}

let entries: ZooEntry[];
let curatedPath = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'zoo-test-'));
  const serve = (path: string, body: Buffer, extra: Partial<Route> = {}) => routes.set(`/${path}`, { body, ...extra });
  serve('validated/mnist/model/mnist-8.onnx', model);
  serve('validated/mnist/model/mnist-8.tar.gz', mnistTar);
  serve('validated/corrupt/corrupt-8.onnx', corruptModel);
  serve('validated/evil/evil-8.onnx', model);
  serve('validated/evil/evil-8.tar.gz', evilTar);
  serve('validated/mislabelled/labelled-pytorch-8.onnx', model);
  serve('validated/resume/resume-8.onnx', model);
  serve('validated/norange/norange-8.onnx', model, { noRange: true });
  serve('validated/cut/cut-8.onnx', model, { truncateOnce: true });
  serve('validated/lfs/lfs-8.onnx', lfsPointer, { contentType: 'text/plain' });
  const list = curatedList();
  serve('curated.json', Buffer.from(JSON.stringify(list)), { contentType: 'application/json' });
  serve(
    'ONNX_HUB_MANIFEST.json',
    Buffer.from(
      JSON.stringify([
        {
          model: 'MNIST',
          model_path: 'validated/mnist/model/mnist-8.onnx',
          onnx_version: '1.3',
          opset_version: 8,
          metadata: {
            model_sha: sha(model),
            model_bytes: model.length,
            tags: ['vision', 'classification', 'mnist'],
            io_ports: {
              inputs: [{ name: 'Input3', shape: [1, 1, 28, 28], type: 'tensor(float)' }],
              outputs: [{ name: 'Plus214_Output_0', shape: [1, 10], type: 'tensor(float)' }],
            },
            model_with_data_path: 'validated/mnist/model/mnist-8.tar.gz',
            model_with_data_sha: sha(mnistTar),
            model_with_data_bytes: mnistTar.length,
          },
        },
        {
          model: 'No checksum',
          model_path: 'validated/x/x-1.onnx',
          onnx_version: '1.0',
          opset_version: 1,
          metadata: { tags: [] },
        },
      ]),
    ),
    { contentType: 'application/json' },
  );
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  curatedPath = join(work, 'curated.json');
  writeFileSync(curatedPath, JSON.stringify(list));
  entries = parseCurated(list, 'test list');
});

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

const entry = (name: string) => findEntries(entries, [name])[0]!;
const newCache = () => mkdtempSync(join(work, 'cache-'));
const rejection = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
};

// ---------------------------------------------------------------- CLI in a child process

/**
 * The real CLI once src/cli.ts registers the zoo command; until then the same wiring in a script file
 * (not `node -e`: backend workers are forked with the parent's execArgv).
 */
function cliArgs(args: string[]): string[] {
  if (readFileSync(join(ROOT, 'src', 'cli.ts'), 'utf8').includes('registerZooCommand'))
    return [join(ROOT, 'dist', 'cli.js'), ...args];
  const runner = join(work, 'zoo-cli.mjs');
  if (!existsSync(runner)) {
    const url = (...p: string[]) => JSON.stringify(pathToFileURL(join(ROOT, ...p)).href);
    writeFileSync(
      runner,
      `
import { Command, CommanderError } from ${url('node_modules', 'commander', 'esm.mjs')};
import { registerZooCommand } from ${url('dist', 'commands', 'zoo.js')};
import { WorkbenchError, errorLine } from ${url('dist', 'errors.js')};
const program = new Command('onnx-workbench').exitOverride();
registerZooCommand(program);
try { await program.parseAsync(process.argv); }
catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  process.stderr.write('onnx-workbench: ' + errorLine(e) + '\\n');
  process.exitCode = e instanceof WorkbenchError ? e.exitCode : 2;
}
`,
    );
  }
  return [runner, ...args];
}

function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      cliArgs(args),
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 540_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 99
          : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

// ---------------------------------------------------------------- tests

describe('zoo list sources', () => {
  it('loads the bundled curated list: 16 framework exports with sha256, sizes and opsets', () => {
    const list = loadCurated();
    expect(list.length).toBe(16);
    const mnist = list.find((e) => e.name === 'mnist-8')!;
    expect(mnist).toMatchObject({ framework: 'cntk', opset: 8, onnx: { sha256: sha(model), size: model.length } });
    expect(new Set(list.map((e) => e.framework))).toEqual(new Set(['cntk', 'caffe2', 'mxnet', 'pytorch']));
    expect(list.every((e) => e.tarGz && e.onnx.path.startsWith('validated/'))).toBe(true);
  });

  it('rejects a malformed curated list in one line', () => {
    expect(() =>
      parseCurated(
        [{ name: 'x', framework: 'cntk', onnx: { path: '../x.onnx', sha256: 'a'.repeat(64), size: 1 } }],
        'l.json',
      ),
    ).toThrow(/unsafe path/);
    expect(() => parseCurated([{ name: 'x' }], 'l.json')).toThrow(InputError);
  });

  it('reads the hub index (ONNX_HUB_MANIFEST.json) from a URL, leaving out entries it cannot verify', async () => {
    const { entries: hub, skipped } = await loadHubIndex(`${origin}/ONNX_HUB_MANIFEST.json`);
    expect(skipped).toBe(1);
    expect(hub).toHaveLength(1);
    expect(hub[0]).toMatchObject({
      name: 'mnist-8',
      model: 'MNIST',
      opset: 8,
      origin: 'hub',
      tarGz: { size: mnistTar.length },
    });
    expect(hub[0]!.framework).toBeUndefined();
  });

  it('suggests near names for an unknown one', () => {
    expect(() => findEntries(entries, ['mnist'])).toThrow(/did you mean mnist-8/);
  });
});

describe('zoo pull', () => {
  it('downloads the model and archive, extracts the test sets safely, checks the producer and writes a manifest', async () => {
    const cache = newCache();
    const messages: string[] = [];
    const progress: number[] = [];
    const r = await pullEntry(entry('mnist-8'), {
      cacheDir: cache,
      baseUrl: origin,
      onMessage: (l) => messages.push(l),
      onProgress: (p) => progress.push(p.received),
    });
    expect(r.alreadyPulled).toBe(false);
    expect(r.downloads.map((d) => [d.file, d.outcome])).toEqual([
      ['model.onnx', 'downloaded'],
      ['mnist-8.tar.gz', 'downloaded'],
    ]);
    expect(r.testSets).toEqual(['test_data_set_0', 'test_data_set_1']);
    expect(progress.at(-1)).toBe(mnistTar.length);
    expect(r.producer).toMatchObject({ verdict: 'match', producerName: 'CNTK', producerVersion: '2.5.1' });
    expect(messages).toEqual([]);
    const dir = join(cache, 'mnist-8');
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'model.onnx', 'test_data_set_0', 'test_data_set_1']);
    expect(readdirSync(join(dir, 'test_data_set_0')).sort()).toEqual(['input_0.pb', 'output_0.pb']); // no AppleDouble file
    expect(sha(readFileSync(join(dir, 'test_data_set_0', 'output_0.pb')))).toBe(sha(output0));
    const m = readManifest(join(dir, 'manifest.json'));
    expect(m).toMatchObject({
      id: 'zoo/mnist-8',
      framework: 'cntk',
      expectedProducer: 'CNTK',
      file: 'model.onnx',
      sha256: sha(model),
      licence: 'Apache-2.0',
      source: { repository: 'onnx/models', commit: 'main', path: 'validated/mnist/model/mnist-8.onnx' },
      dataSource: { repository: 'onnx/models', commit: 'main', path: 'validated/mnist/model/mnist-8.tar.gz' },
      reference: { kind: 'exporter', format: 'test_data_set', path: 'test_data_set_0' },
      expected: { status: 'pass' },
    });
    expect(isPulled(cache, entry('mnist-8'))).toBe(true);
    expect(zooTarget(cache, 'mnist-8')).toMatchObject({ id: 'zoo/mnist-8', modelPath: join(dir, 'model.onnx'), dir });

    const before = seen.length;
    const again = await pullEntry(entry('mnist-8'), { cacheDir: cache, baseUrl: origin });
    expect(again.alreadyPulled).toBe(true);
    expect(seen.length).toBe(before); // nothing requested
  });

  it('rejects a file whose sha256 differs: deletes it, leaves nothing under the final name, says so in one line', async () => {
    const cache = newCache();
    const e = await rejection(pullEntry(entry('corrupt-8'), { cacheDir: cache, baseUrl: origin }));
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as InputError).exitCode).toBe(2);
    expect(e.message).toMatch(
      /^model\.onnx: sha256 [0-9a-f]{16}… does not match the expected [0-9a-f]{16}… \(from http:\/\/127\.0\.0\.1:\d+\/validated\/corrupt\/corrupt-8\.onnx\); deleted the download$/,
    );
    expect(e.message).not.toContain('\n');
    const dir = join(cache, 'corrupt-8');
    expect(existsSync(join(dir, 'model.onnx'))).toBe(false);
    expect(existsSync(join(dir, 'model.onnx.part'))).toBe(false);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    expect(isPulled(cache, entry('corrupt-8'))).toBe(false);
  });

  it('resumes a .part with a Range request (206) and verifies the whole file', async () => {
    const cache = newCache();
    const dir = join(cache, 'resume-8');
    mkdirSync(dir, { recursive: true });
    const half = 10_000;
    writeFileSync(join(dir, 'model.onnx.part'), model.subarray(0, half));
    const messages: string[] = [];
    const r = await pullEntry(entry('resume-8'), {
      cacheDir: cache,
      baseUrl: origin,
      onMessage: (l) => messages.push(l),
    });
    expect(r.downloads[0]).toMatchObject({ outcome: 'resumed', transferred: model.length - half });
    const req = seen.filter((s) => s.path === '/validated/resume/resume-8.onnx');
    expect(req).toEqual([
      { method: 'GET', path: '/validated/resume/resume-8.onnx', range: `bytes=${half}-`, status: 206 },
    ]);
    expect(messages.some((l) => /resuming at/.test(l))).toBe(true);
    expect(sha(readFileSync(join(dir, 'model.onnx')))).toBe(sha(model));
    expect(existsSync(join(dir, 'model.onnx.part'))).toBe(false);
  });

  it('starts again when the server ignores Range (200)', async () => {
    const cache = newCache();
    const dir = join(cache, 'norange-8');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx.part'), model.subarray(0, 5000));
    const messages: string[] = [];
    const r = await pullEntry(entry('norange-8'), {
      cacheDir: cache,
      baseUrl: origin,
      onMessage: (l) => messages.push(l),
    });
    expect(r.downloads[0]).toMatchObject({ outcome: 'downloaded', transferred: model.length });
    expect(messages.join('\n')).toMatch(/does not resume downloads/);
    expect(sha(readFileSync(join(dir, 'model.onnx')))).toBe(sha(model));
  });

  it('keeps a .part when the connection drops and resumes it on the next run', async () => {
    const cache = newCache();
    const e = await rejection(pullEntry(entry('cut-8'), { cacheDir: cache, baseUrl: origin }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(
      /^download of http:\/\/127\.0\.0\.1:\d+\/validated\/cut\/cut-8\.onnx stopped at .* of 25\.8 KiB \(.*\); run the command again to resume$/,
    );
    const part = join(cache, 'cut-8', 'model.onnx.part');
    expect(existsSync(part)).toBe(true);
    expect(existsSync(join(cache, 'cut-8', 'model.onnx'))).toBe(false);
    const kept = readFileSync(part).length;
    expect(kept).toBeGreaterThan(0);
    const r = await pullEntry(entry('cut-8'), { cacheDir: cache, baseUrl: origin });
    expect(r.downloads[0]!.outcome).toBe('resumed');
    expect(seen.filter((s) => s.path === '/validated/cut/cut-8.onnx').at(-1)).toMatchObject({
      range: `bytes=${kept}-`,
      status: 206,
    });
    expect(sha(readFileSync(join(cache, 'cut-8', 'model.onnx')))).toBe(sha(model));
  });

  it('follows redirects', async () => {
    const cache = newCache();
    const r = await pullEntry(entry('mnist-8'), { cacheDir: cache, baseUrl: `${origin}/redirect` });
    expect(r.testSets).toEqual(['test_data_set_0', 'test_data_set_1']);
    expect(seen.some((s) => s.path === '/redirect/validated/mnist/model/mnist-8.onnx' && s.status === 302)).toBe(true);
  });

  it('recognises a Git LFS pointer served in place of the file', async () => {
    const cache = newCache();
    const e = await rejection(pullEntry(entry('lfs-8'), { cacheDir: cache, baseUrl: origin }));
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e.message).toMatch(/sends \d+ bytes, expected 26454: the server sent a Git LFS pointer/);
    expect(existsSync(join(cache, 'lfs-8', 'model.onnx'))).toBe(false);
    expect(existsSync(join(cache, 'lfs-8', 'model.onnx.part'))).toBe(false);
  });

  it('refuses an archive with a ../ entry: nothing extracted, no manifest', async () => {
    const cache = newCache();
    const e = await rejection(pullEntry(entry('evil-8'), { cacheDir: cache, baseUrl: origin }));
    expect(e).toBeInstanceOf(UnsafeArchiveError);
    expect(e.message).toMatch(
      /refused: entry 'mnist\/test_data_set_0\/\.\.\/\.\.\/\.\.\/escaped\.pb' has a '\.\.' component; nothing extracted$/,
    );
    expect(existsSync(join(cache, 'evil-8', 'test_data_set_0'))).toBe(false);
    expect(existsSync(join(cache, 'evil-8', 'manifest.json'))).toBe(false);
    expect(readdirSync(join(cache, 'evil-8')).filter((f) => f.startsWith('.extract-'))).toEqual([]);
    expect(existsSync(join(cache, 'escaped.pb'))).toBe(false);
    expect(existsSync(join(cache, '..', 'escaped.pb'))).toBe(false);
  });

  it('warns about a producer that does not fit the framework, and records it in the manifest', async () => {
    const cache = newCache();
    const messages: string[] = [];
    const r = await pullEntry(entry('labelled-pytorch-8'), {
      cacheDir: cache,
      baseUrl: origin,
      onMessage: (l) => messages.push(l),
    });
    expect(r.producer).toMatchObject({ verdict: 'mismatch', producerName: 'CNTK' });
    expect(messages).toEqual([
      "labelled-pytorch-8: warning: producer_name is 'CNTK', but pytorch exports carry 'pytorch': the zoo's 'pytorch' label is not confirmed by the file",
    ]);
    expect(r.manifest.expectedProducer).toBe('pytorch'); // so every verify run repeats the warning
    expect(r.manifest.notes).toMatch(/Producer mismatch: producer_name is 'CNTK'/);
    expect(r.manifest.reference).toMatchObject({ kind: 'none', format: 'none' });
    expect(r.manifest.expected.status).toBe('no-reference');
  });

  it('pulls a hub-index entry, inferring the framework from producer_name', async () => {
    const cache = newCache();
    const { entries: hub } = await loadHubIndex(`${origin}/ONNX_HUB_MANIFEST.json`);
    const r = await pullEntry(hub[0]!, { cacheDir: cache, baseUrl: origin });
    expect(r.manifest).toMatchObject({ id: 'zoo/mnist-8', framework: 'cntk', expectedProducer: 'CNTK' });
    expect(r.manifest.notes).toMatch(/inferred from producer_name/);
  });

  it('fails in one line when offline (connection refused)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const cache = newCache();
    const e = await rejection(pullEntry(entry('mnist-8'), { cacheDir: cache, baseUrl: `http://127.0.0.1:${port}` }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      `cannot download http://127.0.0.1:${port}/validated/mnist/model/mnist-8.onnx: network unreachable (connection refused by 127.0.0.1:${port}; offline?)`,
    );
    expect(readdirSync(cache)).toEqual([]); // no empty model folder left behind
  });

  it('describes DNS failures and timeouts as offline too', () => {
    const dns = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), {
        code: 'ENOTFOUND',
        hostname: 'github.com',
      }),
    });
    expect(describeNetworkError('https://github.com/x', dns)).toBe(
      'cannot download https://github.com/x: network unreachable (cannot resolve github.com; offline?)',
    );
    const slow = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    expect(describeNetworkError('https://github.com/x', slow)).toMatch(
      /network unreachable \(no answer from github\.com \(timed out\); offline\?\)$/,
    );
  });

  it('re-downloads a cached file that no longer matches', async () => {
    const dest = join(work, 'tampered', 'model.onnx');
    mkdirSync(join(work, 'tampered'), { recursive: true });
    writeFileSync(dest, corruptModel);
    const messages: string[] = [];
    const r = await downloadVerified({
      url: `${origin}/validated/mnist/model/mnist-8.onnx`,
      dest,
      sha256: sha(model),
      size: model.length,
      onMessage: (l) => messages.push(l),
    });
    expect(r.outcome).toBe('downloaded');
    expect(messages[0]).toMatch(/cached copy does not match/);
    expect(sha(readFileSync(dest))).toBe(sha(model));
  });
});

describe('tar extraction safety', () => {
  const extract = async (items: TarItem[]) => {
    const dir = mkdtempSync(join(work, 'tar-'));
    const archive = join(dir, 'a.tar.gz');
    writeFileSync(archive, tarGz(items));
    const dest = join(dir, 'out');
    try {
      return { sets: await extractTestDataSets(archive, dest), dest, dir };
    } catch (e) {
      return { error: e as Error, dest, dir };
    }
  };

  it.each([
    ['a top-level ../ entry', [{ name: '../test_data_set_0/x.pb', data: input0 }], /has a '\.\.' component/],
    ['an absolute path', [{ name: '/tmp/test_data_set_0/x.pb', data: input0 }], /has an absolute path/],
    [
      'a symbolic link',
      [{ name: 'm/test_data_set_0/input_0.pb', type: '2', linkname: '/etc/passwd' }],
      /is a symbolic link to '\/etc\/passwd'/,
    ],
    ['a hard link', [{ name: 'm/test_data_set_0/input_0.pb', type: '1', linkname: 'm/model.onnx' }], /is a hard link/],
    ['a device', [{ name: 'm/test_data_set_0/dev', type: '3' }], /not a regular file or folder/],
    [
      'a pax path escaping',
      [{ name: 'ok', data: input0, pax: { path: 'm/test_data_set_0/../../x.pb' } }],
      /'\.\.' component/,
    ],
  ])('refuses %s', async (_what, items, why) => {
    const r = await extract([{ name: 'm/test_data_set_0/output_0.pb', data: output0 }, ...(items as TarItem[])]);
    expect(r.error).toBeInstanceOf(UnsafeArchiveError);
    expect(r.error!.message).toMatch(why);
    expect(r.error!.message).toMatch(/nothing extracted$/);
    expect(existsSync(join(r.dest, 'test_data_set_0'))).toBe(false);
    expect(readdirSync(r.dest)).toEqual([]);
  });

  it('splits names safely', () => {
    expect(safeSegments('./a//b/./c')).toEqual(['a', 'b', 'c']);
    expect(() => safeSegments('C:\\x')).toThrow(/absolute/);
    expect(() => safeSegments('a\\..\\b')).toThrow(/'\.\.'/);
  });

  it('reports a truncated or non-gzip archive in one line', async () => {
    const dir = mkdtempSync(join(work, 'tar-'));
    const cut = join(dir, 'cut.tar.gz');
    writeFileSync(
      cut,
      gzipSync(Buffer.concat([tarHeader('m/test_data_set_0/input_0.pb', 5000, '0'), Buffer.alloc(100)])),
    );
    await expect(extractTestDataSets(cut, join(dir, 'o1'))).rejects.toThrow(/cut\.tar\.gz: truncated tar archive/);
    const junk = join(dir, 'junk.tar.gz');
    writeFileSync(junk, 'not gzip at all');
    await expect(extractTestDataSets(junk, join(dir, 'o2'))).rejects.toThrow(
      /^\S*junk\.tar\.gz: not a tar or tar\.gz archive$/,
    );
    const badGzip = join(dir, 'bad-gzip.tar.gz'); // gzip magic, then garbage
    writeFileSync(badGzip, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(600, 0x55)]));
    await expect(extractTestDataSets(badGzip, join(dir, 'o3'))).rejects.toThrow(
      /bad-gzip\.tar\.gz: cannot read the archive \(zlib: [^\n]+\)$/,
    );
    const cutGzip = join(dir, 'cut-gzip.tar.gz'); // a whole archive, its gzip stream cut short
    writeFileSync(cutGzip, mnistTar.subarray(0, mnistTar.length >> 1));
    await expect(extractTestDataSets(cutGzip, join(dir, 'o4'))).rejects.toThrow(/cut-gzip\.tar\.gz: /);
    for (const o of ['o1', 'o2', 'o3', 'o4']) expect(existsSync(join(dir, o, 'test_data_set_0'))).toBe(false);
  });

  it('reads archives written by the system tar', async () => {
    const dir = mkdtempSync(join(work, 'systar-'));
    const src = join(dir, 'src', 'mnist');
    mkdirSync(join(src, 'test_data_set_0'), { recursive: true });
    writeFileSync(join(src, 'test_data_set_0', 'input_0.pb'), input0);
    writeFileSync(join(src, 'test_data_set_0', 'output_0.pb'), output0);
    const archive = join(dir, 'sys.tar.gz');
    const ok = await new Promise<boolean>((done) =>
      execFile('tar', ['-czf', archive, '-C', join(dir, 'src'), 'mnist'], (err) => done(!err)),
    );
    if (!ok) return; // no tar on this machine
    expect(await extractTestDataSets(archive, join(dir, 'out'))).toEqual(['test_data_set_0']);
    expect(sha(readFileSync(join(dir, 'out', 'test_data_set_0', 'input_0.pb')))).toBe(sha(input0));
  });
});

describe('producer check', () => {
  it('accepts the producers each framework writes, and says when the file cannot confirm the label', () => {
    expect(checkProducer('cntk', 'CNTK').verdict).toBe('match');
    expect(checkProducer('caffe2', 'onnx-caffe2').verdict).toBe('match');
    expect(checkProducer('pytorch', 'pytorch').verdict).toBe('match');
    expect(checkProducer('mxnet', '')).toMatchObject({ verdict: 'unconfirmed', expectedProducer: '' });
    expect(checkProducer('mxnet', 'pytorch')).toMatchObject({ verdict: 'mismatch', expectedProducer: 'MXNet' });
    expect(checkProducer('caffe2', '')).toMatchObject({ verdict: 'mismatch' });
  });
});

describe('zoo CLI', () => {
  it('zoo list shows sizes, opsets and what is pulled', async () => {
    const cache = newCache();
    await pullEntry(entry('mnist-8'), { cacheDir: cache, baseUrl: origin });
    const json = await runCli(['zoo', 'list', '--curated', curatedPath, '--cache-dir', cache, '--json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { name: string; pulled: boolean; opset: number; modelBytes: number }[];
    expect(rows.find((r) => r.name === 'mnist-8')).toMatchObject({ pulled: true, opset: 8, modelBytes: model.length });
    expect(rows.find((r) => r.name === 'resume-8')!.pulled).toBe(false);
    const text = await runCli(['zoo', 'list', '--cache-dir', cache]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/mnist-8 +cntk +8 +25\.8 KiB +26\.1 KiB/);
    // the bundled list's mnist-8 is the same file (same sha256 and size), so it counts as pulled
    expect(text.stdout).toMatch(/mnist-8 +cntk +8 +25\.8 KiB +26\.1 KiB +yes/);
    expect(text.stdout).toMatch(/16 models, 1 pulled into/);
    const hub = await runCli([
      'zoo',
      'list',
      '--manifest',
      `${origin}/ONNX_HUB_MANIFEST.json`,
      '--cache-dir',
      cache,
      '--json',
    ]);
    expect(hub.code).toBe(0);
    expect(JSON.parse(hub.stdout)).toHaveLength(1);
    expect(hub.stderr).toMatch(/1 entries without a usable path, sha256 and size left out/);
  });

  it('zoo pull: progress on stderr; a corrupted file exits 2 with one line and leaves no final file', async () => {
    const cache = newCache();
    const ok = await runCli(['zoo', 'pull', 'mnist-8', '--curated', curatedPath, '--cache-dir', cache], {
      ONNX_WORKBENCH_ZOO_URL: origin,
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/mnist-8: model\.onnx 25\.8 KiB \/ 25\.8 KiB \(100%\)/);
    expect(ok.stdout.trim()).toBe(
      `mnist-8: pulled, 2 test sets, producer 'CNTK' as expected -> ${join(cache, 'mnist-8')}`,
    );

    const bad = await runCli([
      'zoo',
      'pull',
      'corrupt-8',
      '-q',
      '--curated',
      curatedPath,
      '--cache-dir',
      cache,
      '--base-url',
      origin,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^onnx-workbench: model\.onnx: sha256 .* does not match .*; deleted the download\n$/);
    expect(existsSync(join(cache, 'corrupt-8', 'model.onnx'))).toBe(false);
  });

  it('zoo pull offline exits 2 with one line (closed port, and port 9 which fetch refuses)', async () => {
    const cache = newCache();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const off = await runCli([
      'zoo',
      'pull',
      'mnist-8',
      '-q',
      '--curated',
      curatedPath,
      '--cache-dir',
      cache,
      '--base-url',
      `http://127.0.0.1:${port}`,
    ]);
    expect(off.code).toBe(2);
    expect(off.stderr).toBe(
      `onnx-workbench: cannot download http://127.0.0.1:${port}/validated/mnist/model/mnist-8.onnx: network unreachable (connection refused by 127.0.0.1:${port}; offline?)\n`,
    );
    const nine = await runCli([
      'zoo',
      'pull',
      'mnist-8',
      '-q',
      '--curated',
      curatedPath,
      '--cache-dir',
      cache,
      '--base-url',
      'http://127.0.0.1:9',
    ]);
    expect(nine.code).toBe(2);
    expect(nine.stderr.trim().split('\n')).toHaveLength(1);
    expect(nine.stderr).toMatch(/^onnx-workbench: cannot download http:\/\/127\.0\.0\.1:9\/.*: fetch refuses port 9/);
  });

  it('zoo verify pulls what is missing and passes on the cpu backend, writing evidence', async () => {
    const cache = newCache();
    const evidence = join(work, 'evidence');
    const r = await runCli([
      'zoo',
      'verify',
      'mnist-8',
      '--backend',
      'cpu',
      '--json',
      '--iterations',
      '2',
      '--curated',
      curatedPath,
      '--cache-dir',
      cache,
      '--base-url',
      origin,
      '--evidence-dir',
      evidence,
    ]);
    expect(r.stderr).toMatch(/\[1\/1\] cpu zoo\/mnist-8: pass/);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as {
      ok: boolean;
      evidence: string;
      results: {
        model: string;
        status: string;
        referenceKind: string;
        framework: string;
        producerName: string;
        warnings?: string[];
      }[];
    };
    expect(run.ok).toBe(true);
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({
      model: 'zoo/mnist-8',
      status: 'pass',
      referenceKind: 'exporter',
      framework: 'cntk',
      producerName: 'CNTK',
    });
    expect(run.results[0]!.warnings ?? []).toEqual([]);
    expect(existsSync(run.evidence)).toBe(true);
    expect(isPulled(cache, entry('mnist-8'))).toBe(true);

    const table = await runCli([
      'zoo',
      'verify',
      '--no-evidence',
      '--iterations',
      '1',
      '--curated',
      curatedPath,
      '--cache-dir',
      cache,
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/zoo\/mnist-8/);
    expect(table.stdout).toMatch(/All 1 results as expected\./);
  });
});
