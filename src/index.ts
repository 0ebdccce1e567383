/**
 * onnx-workbench as a library: the same modules the command line uses, one data flow:
 * prepare a target (model + test data) -> start backends -> verify (run, compare, judge) ->
 * evidence -> scorecard and refresh.
 *
 *   import { resolveTargets, prepareTarget, startBackends, verifyWith } from 'onnx-workbench';
 *   const models = resolveTargets(['cntk/mnist-8']).map((t) => prepareTarget(t));
 *   const set = await startBackends(['cpu', 'wasm']);      // each in its own worker process
 *   try { const run = await verifyWith(models, set, { backends: ['cpu', 'wasm'] }); }
 *   finally { await set.close(); }
 *
 * Every backend is a `Backend`: isolated ones (startBackends) and in-process ones
 * (inProcessBackends + backendSetOf) are used the same way.
 */

// Targets and their preparation
export { resolveTargets, loadCatalog, type Target, type CatalogEntry } from './models/catalog.js';
export { prepareTarget, DEFAULT_TOLERANCE, type PreparedModel, type PrepareOptions } from './verify/prepare.js';
export { loadModel, type LoadedModel } from './onnx/model.js';
export { summarize, type ModelSummary } from './onnx/inspect.js';

// Backends
export {
  BACKEND_IDS,
  BackendStageError,
  isBackendId,
  type Backend,
  type BackendId,
  type BackendDescription,
  type BackendStatus,
  type Availability,
  type AdapterInfo,
  type ModelInput,
  type RunMeasurement,
  type RunPlan,
  type SessionOptions,
  type TensorMap,
  type FailureStage,
} from './backends/types.js';
export { backendDescriptor, allBackendIds, type BackendDescriptor } from './backends/registry.js';
export {
  startBackends,
  inProcessBackends,
  backendSetOf,
  backendStatus,
  isolatedBackends,
  type BackendSet,
  type StartOptions,
} from './isolation/pool.js';
export { WorkerBackend, isSuspectFailure } from './isolation/workerBackend.js';
export { adapterLabel, classifyAdapter, SOFTWARE_LABEL } from './backends/adapter.js';
export {
  parsePlacement,
  describePlacement,
  classifyPlacement,
  placementFromLog,
  offEpSummary,
  type Placement,
  type PlacementAnalysis,
} from './backends/placement.js';

// Verify, compare, bisect, bench
export { verify, verifyWith, DEFAULT_VERIFY_PLAN, type VerifyOptions } from './verify/verify.js';
export {
  judge,
  meetsExpectation,
  statusFromFailure,
  toleranceFor,
  toleranceBetween,
  type ModelResult,
  type VerifyRun,
  type VerifyEvent,
  type Latency,
} from './verify/result.js';
export {
  compareOutputs,
  compareTensors,
  describeMismatch,
  type OutputsComparison,
  type TensorComparison,
} from './compare/compare.js';
export { bisect, bisectWith, type BisectReport, type BisectOptions } from './bisect/bisect.js';
export { bench, type BenchRun, type BenchOptions } from './bench/bench.js';

// Tensors
export type { Tensor, TensorData } from './tensor/tensor.js';
export type { DType } from './tensor/dtype.js';

// Evidence, scorecard, refresh
export {
  makeRecord,
  writeRecord,
  readEvidence,
  validateEvidence,
  defaultEvidenceDir,
  type EvidenceRecord,
} from './evidence/store.js';
export { computeScorecard } from './scorecard/scores.js';
export { refreshScores } from './scorecard/refresh.js';
export { loadRegistry } from './scorecard/data.js';

// Errors
export { WorkbenchError, InputError } from './errors.js';
