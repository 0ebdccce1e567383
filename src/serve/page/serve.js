// The runner page: fetch a model and its inputs from the workbench, run it with onnxruntime-web,
// post raw outputs and timings back, show the judged result as it arrives.
// The measuring loop, the dtype table and the adapter wording are the workbench's own modules
// (src/backends/measureLoop.ts, src/tensor/dtype.ts, src/backends/adapter.ts), served from dist/
// at /lib/: this page measures as `verify` does.
/* global ort */
'use strict';

/** verify's default plan (src/verify/verify.ts DEFAULT_VERIFY_PLAN). */
const PLAN = { warmup: 3, iterations: 10, maxDurationMs: 1000 };

let lib;
function sharedModules() {
  lib ??= Promise.all([
    import('/lib/backends/measureLoop.js'),
    import('/lib/tensor/dtype.js'),
    import('/lib/backends/adapter.js'),
    import('/lib/util/base64.js'),
  ]).then(([loop, dtype, adapterModule, base64]) => ({ ...loop, ...dtype, ...adapterModule, ...base64 }));
  return lib;
}

function tensorFrom(shared, f) {
  const bytes = shared.base64ToBytes(f.data);
  const Ctor = Object.prototype.hasOwnProperty.call(shared.TYPED_ARRAYS, f.dtype)
    ? shared.TYPED_ARRAYS[f.dtype]
    : undefined;
  if (!Ctor) throw new Error(`input ${f.name}: element type ${f.dtype} cannot be passed to onnxruntime-web`);
  return new ort.Tensor(f.dtype, new Ctor(bytes.buffer, 0, bytes.length / Ctor.BYTES_PER_ELEMENT), f.dims);
}

let models = [];
let adapter = null;
let labels = null;

async function runOne(m, backend) {
  const modelBytes = new Uint8Array(await (await fetch(`/api/models/${m.index}/model`)).arrayBuffer());
  const { feeds } = await (await fetch(`/api/models/${m.index}/inputs`)).json();
  const post = {
    index: m.index,
    sha256: m.sha256,
    backend,
    userAgent: navigator.userAgent,
    platform: navigator.platform || 'unknown',
    runtimeVersion: ort.env.versions && ort.env.versions.web,
  };
  if (backend === 'webgpu' && adapter) {
    post.adapter = {
      vendor: adapter.vendor,
      architecture: adapter.architecture,
      device: adapter.device,
      description: adapter.description,
      isFallbackAdapter: adapter.isFallbackAdapter === true,
    };
  }
  const shared = await sharedModules();
  try {
    const inputs = Object.create(null);
    for (const f of feeds) inputs[f.name] = tensorFrom(shared, f);
    const r = await shared.measureLoop(
      {
        create: () => ort.InferenceSession.create(modelBytes, { executionProviders: [backend] }),
        run: (session) => session.run(inputs),
        read: async (first, session) => {
          const outputs = [];
          for (const name of session.outputNames) {
            const v = first[name];
            const data = v.location && v.location !== 'cpu' ? await v.getData() : v.data;
            outputs.push({
              name,
              dtype: v.type,
              dims: Array.from(v.dims),
              data: shared.bytesToBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
            });
          }
          return outputs;
        },
        release: (session) => session.release(),
      },
      PLAN,
    );
    post.sessionCreateMs = r.sessionCreateMs;
    post.firstRunMs = r.firstRunMs;
    post.timesMs = r.timesMs;
    post.outputs = r.outputs;
  } catch (e) {
    const stage = e instanceof shared.LoopStageError ? e.stage : 'load';
    post.error = {
      stage,
      message: shared.loopErrorMessage(e instanceof shared.LoopStageError ? e.original : e).slice(0, 3900),
    };
  }
  const res = await fetch('/api/results', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(post),
  });
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
  const soft = r.adapter.kind === 'software' ? ` (${labels.SOFTWARE_LABEL})` : '';
  for (const text of [m.id, `${r.backend}${soft}`, r.status, maxErr, p50, first, answer.record, r.reason || '']) {
    const td = document.createElement('td');
    td.textContent = text;
    if (soft && text.endsWith(soft)) td.className = 'soft';
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
  labels = await sharedModules();
  const probe = await labels.probeWebGpuAdapter(navigator.gpu).catch(() => ({ ok: false }));
  adapter = probe.ok ? probe.adapter : null;
  document.getElementById('adapter').textContent = adapter
    ? `WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description}${labels.classifyAdapter(adapter, false) === 'software' ? ` (${labels.SOFTWARE_NOTE})` : ''}`
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
    label.appendChild(
      document.createTextNode(` ${m.id} (${m.producer || 'no producer'}, ${(m.sizeBytes / 1024).toFixed(0)} KiB)`),
    );
    box.appendChild(label);
  }
  document.getElementById('run').addEventListener('click', () => {
    run();
  });
  document.getElementById('none').addEventListener('click', () => {
    for (const m of models) document.getElementById(`m-${m.index}`).checked = false;
  });
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  document.getElementById('status').textContent = `error: ${e.message}`;
  console.error(e);
});
