// The runner page: fetch a model and its inputs from the workbench, run it with onnxruntime-web,
// post raw outputs and timings back, show the judged result as it arrives.
/* global ort */
'use strict';

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
};

function fromBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function tensorFrom(f) {
  const bytes = fromBase64(f.data);
  const Ctor = ARRAYS[f.dtype];
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new ort.Tensor(f.dtype, new Ctor(copy.buffer, 0, bytes.length / Ctor.BYTES_PER_ELEMENT), f.dims);
}

async function adapterInfo() {
  if (!navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return null;
  const i = adapter.info || {};
  return { vendor: i.vendor || '', architecture: i.architecture || '', device: i.device || '', description: i.description || '', isFallbackAdapter: !!(i.isFallbackAdapter || adapter.isFallbackAdapter) };
}

let models = [];
let adapter = null;

async function runOne(m, backend) {
  const modelBytes = new Uint8Array(await (await fetch(`/api/models/${m.index}/model`)).arrayBuffer());
  const { feeds } = await (await fetch(`/api/models/${m.index}/inputs`)).json();
  const post = { index: m.index, sha256: m.sha256, backend, userAgent: navigator.userAgent, platform: navigator.platform || 'unknown', runtimeVersion: ort.env.versions && ort.env.versions.web };
  if (backend === 'webgpu' && adapter) post.adapter = adapter;
  let session;
  let stage = 'load';
  try {
    let t = performance.now();
    session = await ort.InferenceSession.create(modelBytes, { executionProviders: [backend] });
    post.sessionCreateMs = performance.now() - t;
    stage = 'run';
    const inputs = {};
    for (const f of feeds) inputs[f.name] = tensorFrom(f);
    t = performance.now();
    const first = await session.run(inputs);
    post.firstRunMs = performance.now() - t;
    const times = [];
    const start = performance.now();
    for (let i = 0; i < 10 && (i === 0 || performance.now() - start < 1000); i++) {
      t = performance.now();
      await session.run(inputs);
      times.push(performance.now() - t);
    }
    post.timesMs = times;
    post.outputs = [];
    for (const name of session.outputNames) {
      const v = first[name];
      const data = v.location && v.location !== 'cpu' ? await v.getData() : v.data;
      post.outputs.push({ name, dtype: v.type, dims: Array.from(v.dims), data: toBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) });
    }
  } catch (e) {
    post.error = { stage, message: String((e && e.message) || e).slice(0, 3900) };
  } finally {
    if (session) await session.release().catch(() => undefined);
  }
  const res = await fetch('/api/results', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(post) });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.error || `HTTP ${res.status}`);
  return answer;
}

function row(m, backend, answer) {
  const r = answer.result;
  const c = r.comparison || r.againstCpu;
  const maxErr = c && c.outputs.length ? Math.max(...c.outputs.map((o) => o.maxAbsError)).toExponential(1) : '-';
  const p50 = r.latency && r.latency.stats ? `${r.latency.stats.p50.toFixed(2)} ms` : '-';
  const first = r.latency ? `${r.latency.firstRunMs.toFixed(1)} ms` : '-';
  const tr = document.createElement('tr');
  tr.className = r.status;
  tr.dataset.model = m.id;
  tr.dataset.backend = backend;
  tr.dataset.status = r.status;
  const soft = r.adapter.kind === 'software' ? ' (software)' : '';
  for (const text of [m.id, `${r.backend}${soft}`, r.status, maxErr, p50, first, answer.record, r.reason || '']) {
    const td = document.createElement('td');
    td.textContent = text;
    if (soft && text.endsWith('(software)')) td.className = 'soft';
    tr.appendChild(td);
  }
  document.querySelector('#results tbody').appendChild(tr);
}

async function run() {
  const picked = models.filter((m) => document.getElementById(`m-${m.index}`).checked);
  const backends = ['wasm', 'webgpu'].filter((b) => document.getElementById(`be-${b}`).checked);
  const status = document.getElementById('status');
  const total = picked.length * backends.length;
  let done = 0;
  document.getElementById('run').disabled = true;
  for (const backend of backends) {
    for (const m of picked) {
      status.textContent = `running ${done + 1}/${total}: ${m.id} on ${backend}`;
      try {
        row(m, backend, await runOne(m, backend));
      } catch (e) {
        const tr = document.createElement('tr');
        tr.innerHTML = '<td></td><td></td><td>error</td>';
        tr.firstChild.textContent = m.id;
        tr.children[1].textContent = backend;
        document.querySelector('#results tbody').appendChild(tr);
        console.warn(e);
      }
      done++;
    }
  }
  status.textContent = `done: ${done}/${total}`;
  document.getElementById('run').disabled = false;
}

async function main() {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  adapter = await adapterInfo().catch(() => null);
  document.getElementById('adapter').textContent = adapter
    ? `WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description}${adapter.isFallbackAdapter || /swiftshader/i.test(adapter.architecture + adapter.vendor) ? ' (software: not GPU latency)' : ''}`
    : 'WebGPU: no adapter in this browser (webgpu runs will fail to load)';
  models = await (await fetch('/api/models')).json();
  const box = document.getElementById('models');
  box.textContent = '';
  for (const m of models) {
    const label = document.createElement('label');
    label.style.display = 'block';
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.id = `m-${m.index}`;
    cb.dataset.id = m.id;
    label.appendChild(cb);
    label.appendChild(document.createTextNode(` ${m.id} (${m.producer || 'no producer'}, ${(m.sizeBytes / 1024).toFixed(0)} KiB)`));
    box.appendChild(label);
  }
  document.getElementById('run').addEventListener('click', () => { run(); });
  document.getElementById('none').addEventListener('click', () => { for (const m of models) document.getElementById(`m-${m.index}`).checked = false; });
  document.body.dataset.ready = 'true';
}

main().catch((e) => { document.getElementById('status').textContent = `error: ${e.message}`; console.error(e); });
