// The runner page: fetch a model and its inputs from the workbench, run it with onnxruntime-web,
// post raw outputs and timings back, show the judged result as it arrives.
// The measuring loop, the dtype table and the adapter wording are the workbench's own modules
// (src/backends/measureLoop.ts, src/tensor/dtype.ts, src/backends/adapter.ts), served from dist/
// at /lib/: this page measures as `verify` does.
/* global ort */
'use strict';

/** verify's default plan (src/verify/verify.ts DEFAULT_VERIFY_PLAN). */
const PLAN = { warmup: 3, iterations: 10, maxDurationMs: 1000 };

// onnxruntime-web writes its verbose session log (which EP runs which node) to the console. The
// console is wrapped before onnxruntime's WASM module starts (it binds the console then), and the
// placement lines are kept while a session is created: the server classifies them against the model.
const LOG_LIMIT = 3_000_000;
let capture = null;
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    if (capture && lib && capture.keep) {
      const text = args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
      if (capture.size < LOG_LIMIT && capture.keep(text)) {
        capture.lines.push(text);
        capture.size += text.length + 1;
      }
    }
    original(...args);
  };
}

let lib;
function sharedModules() {
  lib ??= Promise.all([
    import('/lib/backends/measureLoop.js'),
    import('/lib/tensor/dtype.js'),
    import('/lib/backends/adapter.js'),
    import('/lib/util/base64.js'),
    import('/lib/backends/placement.js'),
  ]).then(([loop, dtype, adapterModule, base64, placement]) => ({
    ...loop,
    ...dtype,
    ...adapterModule,
    ...base64,
    ...placement,
  }));
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
        // The placements are logged while the session is created; runs log at warning level.
        create: async () => {
          capture = { lines: [], size: 0, keep: shared.isPlacementLogLine };
          ort.env.logLevel = 'verbose';
          try {
            return await ort.InferenceSession.create(modelBytes, {
              executionProviders: [backend],
              logSeverityLevel: 0,
              logVerbosityLevel: 0,
            });
          } finally {
            ort.env.logLevel = 'warning';
            if (capture.lines.length) post.placementLog = capture.lines.join('\n');
            capture = null;
          }
        },
        run: (session) => session.run(inputs, { logSeverityLevel: 2 }),
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
  const offEp = r.latency ? labels.offEpSummary(r.placement) : '-';
  const tr = document.createElement('tr');
  tr.className = r.status;
  tr.dataset.model = m.id;
  tr.dataset.backend = backend;
  tr.dataset.status = r.status;
  const soft = r.adapter.kind === 'software' ? ` (${labels.SOFTWARE_LABEL})` : '';
  const analysis = r.placement && r.placement.analysis;
  const cells = [m.id, `${r.backend}${soft}`, r.status, maxErr, p50, first, offEp, answer.record, r.reason || ''];
  cells.forEach((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (soft && text.endsWith(soft)) td.className = 'soft';
    if (i === 6) {
      td.dataset.offEp = 'true';
      if (analysis && analysis.fallback.length) td.className = 'fallback';
    }
    tr.appendChild(td);
  });
  document.querySelector('#results tbody').appendChild(tr);
  // Compute nodes that fell back off the EP, each with onnxruntime's reason (shape work on the CPU is normal).
  if (analysis && analysis.fallback.length) {
    const list = document.getElementById('fallback');
    const head = document.createElement('li');
    head.className = 'fallback';
    head.textContent = `${m.id} on ${r.backend}: ${analysis.fallback.length} compute node(s) fell back from ${analysis.executionProvider} to the CPU${analysis.memcpy ? `; ${analysis.memcpy} Memcpy node(s): ${analysis.memcpy} host-device copies per run` : ''}`;
    const nodes = document.createElement('ul');
    for (const f of analysis.fallback.slice(0, 20)) {
      const li = document.createElement('li');
      li.dataset.op = f.op;
      li.textContent = `${f.op}${f.name ? ` (${f.name})` : ''}: ${f.reason ? `onnxruntime: "${f.reason}"` : 'the runtime logged no reason'}`;
      nodes.appendChild(li);
    }
    head.appendChild(nodes);
    list.appendChild(head);
  }
}

async function run() {
  const picked = models.filter((m) => {
    const cb = document.getElementById(`m-${m.index}`);
    return cb && cb.checked;
  });
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

function addModel(m, checked) {
  const box = document.getElementById('models');
  const label = document.createElement('label');
  label.style.display = 'block';
  const cb = document.createElement('input');
  cb.type = 'checkbox';
  cb.id = `m-${m.index}`;
  cb.dataset.id = m.id;
  cb.checked = checked;
  label.appendChild(cb);
  label.appendChild(
    document.createTextNode(
      ` ${m.id} (${m.producer || 'no producer'}, ${(m.sizeBytes / 1024).toFixed(0)} KiB${m.uploaded ? `, yours; reference: ${m.reference === 'none' ? 'none (outputs recorded unjudged)' : m.reference}` : ''})`,
    ),
  );
  if (m.uploaded) box.insertBefore(label, box.firstChild);
  else box.appendChild(label);
}

/** Send the user's .onnx (and optional .npz) to the server, which validates and serves it like a bundled model. */
async function upload(files) {
  const status = document.getElementById('upload-status');
  status.className = '';
  const list = Array.from(files);
  const onnx = list.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  const npz = list.filter((f) => f.name.toLowerCase().endsWith('.npz'));
  const fail = (message) => {
    status.className = 'error';
    status.textContent = message;
  };
  if (onnx.length !== 1 || npz.length > 1 || onnx.length + npz.length !== list.length)
    return fail('give one .onnx file and at most one .npz');
  status.textContent = `uploading ${onnx[0].name}…`;
  const modelBytes = new Uint8Array(await onnx[0].arrayBuffer());
  const npzBytes = npz.length ? new Uint8Array(await npz[0].arrayBuffer()) : new Uint8Array(0);
  const body = new Uint8Array(modelBytes.length + npzBytes.length);
  body.set(modelBytes, 0);
  body.set(npzBytes, modelBytes.length);
  const query = new URLSearchParams({ name: onnx[0].name, modelBytes: String(modelBytes.length) });
  if (npz.length) query.set('npz', npz[0].name);
  let answer;
  try {
    const res = await fetch(`/api/uploads?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
    });
    answer = await res.json();
    if (!res.ok) return fail(`${onnx[0].name}: ${answer.error || `HTTP ${res.status}`}`);
  } catch (e) {
    return fail(`${onnx[0].name}: ${e.message}`);
  }
  models.push(answer);
  addModel(answer, true);
  status.textContent = `${answer.id}: ready (${answer.inputs.length} input(s), reference ${answer.reference})${answer.warnings.length ? `; ${answer.warnings.join('; ')}` : ''}`;
  status.dataset.uploaded = answer.id;
}

function setUpUploads() {
  const input = document.getElementById('upload');
  input.addEventListener('change', () => {
    if (input.files.length) upload(input.files).finally(() => (input.value = ''));
  });
  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files);
  });
}

async function main() {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  labels = await sharedModules();
  const probe = await labels.probeWebGpuAdapter(navigator.gpu).catch(() => ({ ok: false }));
  adapter = probe.ok ? probe.adapter : null;
  document.getElementById('adapter').textContent = adapter
    ? `WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description}${labels.classifyAdapter(adapter, false) === 'software' ? ` (${labels.SOFTWARE_NOTE})` : ''}`
    : `WebGPU: no adapter in this browser${probe.reason ? ` (${probe.reason})` : ''}: webgpu is unticked`;
  if (!adapter) {
    // Nothing to run webgpu on: untick it rather than record a load error per model.
    const webgpu = document.getElementById('be-webgpu');
    webgpu.checked = false;
    webgpu.disabled = true;
    document.getElementById('be-webgpu-label').title = 'this browser has no WebGPU adapter';
  }
  models = await (await fetch('/api/models')).json();
  const box = document.getElementById('models');
  box.textContent = '';
  for (const m of models) addModel(m, false);
  setUpUploads();
  document.getElementById('run').addEventListener('click', () => {
    run();
  });
  document.getElementById('none').addEventListener('click', () => {
    for (const m of models) {
      const cb = document.getElementById(`m-${m.index}`);
      if (cb) cb.checked = false;
    }
  });
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  document.getElementById('status').textContent = `error: ${e.message}`;
  console.error(e);
});
