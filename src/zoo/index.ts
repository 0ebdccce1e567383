/** The ONNX model zoo as a model source: list, pull (verified, resumable), and verification targets. */
export {
  loadCurated,
  parseCurated,
  parseHubManifest,
  findEntries,
  opsetFromName,
  type ZooEntry,
  type ZooFile,
} from './catalog.js';
export {
  downloadVerified,
  describeNetworkError,
  sha256File,
  IntegrityError,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type FetchLike,
} from './download.js';
export {
  extractTestDataSets,
  readTarGz,
  safeSegments,
  testDataSets,
  UnsafeArchiveError,
  type TarEntry,
  type TarSink,
} from './tar.js';
export { FRAMEWORK_PRODUCERS, checkProducer, frameworkFromProducer, type ProducerCheck } from './producers.js';
export {
  DEFAULT_ZOO_BASE_URL,
  defaultBaseUrl,
  defaultCacheDir,
  entryDir,
  isPulled,
  pullEntry,
  zooManifest,
  zooTarget,
  zooTargets,
  zooUrl,
  type PullOptions,
  type PullResult,
} from './pull.js';
export { loadHubIndex } from './hub.js';
