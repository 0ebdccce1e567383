/**
 * The one attribution every command uses: a model's exporter decided by the registry's fingerprints
 * (inspect, verify's user models, path's `--from`, manifests' producer checks, refresh, report).
 */
import type { ModelSummary } from '../onnx/inspect.js';
import { describeAttribution, fingerprint, fingerprintInput, type Attribution } from '../onnx/fingerprint.js';
import { loadFrameworks, loadRegistry } from './data.js';
import type { RegistryFile } from './model.js';

let cached: { registry: RegistryFile; names: Map<string, string> } | undefined;

function defaults(): { registry: RegistryFile; names: Map<string, string> } {
  if (!cached) {
    const registry = loadRegistry();
    cached = { registry, names: new Map(loadFrameworks().frameworks.map((f) => [f.id, f.name])) };
  }
  return cached;
}

/** The framework's display name (`MXNet`), or the id when it is not one of the article's. */
export function frameworkName(id: string): string {
  return defaults().names.get(id) ?? id;
}

export function attributeSummary(summary: ModelSummary, registry: RegistryFile = defaults().registry): Attribution {
  return fingerprint(fingerprintInput(summary), registry.fingerprints ?? []);
}

/** The inspect line: "exporter: MXNet (mx2onnx), by graph name `mxnet_converted_model` ...". */
export function describeExporter(a: Attribution): string {
  return describeAttribution(a, frameworkName);
}
