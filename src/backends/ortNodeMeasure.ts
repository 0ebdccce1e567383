/** One measurement on onnxruntime-node with a given execution provider (the `cpu` and `webgpu` backends). */
import type { Backend, RunMeasurement } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { executionProvider, sessionKnobs } from './sessionKnobs.js';

type MeasureArgs = Parameters<Backend['measure']>;

export async function measureOnOrtNode(
  ep: 'cpu' | 'webgpu',
  threadNote: string | undefined,
  ...[model, feeds, plan, options]: MeasureArgs
): Promise<RunMeasurement> {
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  const m = await measureWithOrt(
    ort,
    model,
    feeds,
    plan,
    {
      executionProviders: [executionProvider(ep, ep, options.executionProviderOptions) as typeof ep],
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      ...sessionKnobs(options),
      ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
      ...(options.externalData?.length ? { externalData: options.externalData } : {}),
    },
    { profile: options.profile === true },
  );
  return {
    ...m,
    threads: {
      intraOp: options.threads ?? 'default',
      ...(options.interOpThreads ? { interOp: options.interOpThreads } : {}),
      ...(threadNote ? { note: threadNote } : {}),
    },
  };
}
