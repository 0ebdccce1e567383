/**
 * Choosing the Vulkan driver Dawn (onnxruntime-node's WebGPU EP) will use: a hardware ICD when a GPU
 * device is present, else the SwiftShader ICD that Debian's chromium ships (software rendering).
 * Mesa's lavapipe on Debian 12 is too old for Dawn, so it is never chosen.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import type { AdapterInfo, Availability } from './types.js';
import { isSoftwareName } from './adapter.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const LOADER_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
  '/usr/local/lib/libvulkan.so.1',
];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

export interface VulkanChoice extends Availability {
  env: Record<string, string>;
  adapter: AdapterInfo;
}

function hardwareIcds(): string[] {
  const found: string[] = [];
  for (const dir of ICD_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir))
      if (f.endsWith('.json') && !isSoftwareName(f.replace(/[_.-]/g, ' '))) found.push(join(dir, f));
  }
  return found;
}

function gpuDevicePresent(): boolean {
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

function describeIcd(path: string): string {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { ICD?: { library_path?: string } };
    return `${basename(path)} (${j.ICD?.library_path ?? '?'})`;
  } catch {
    return basename(path);
  }
}

function swiftshader(xdg: Record<string, string>): VulkanChoice {
  return {
    available: true,
    env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD, ...xdg },
    adapter: {
      kind: 'software',
      vendor: 'google',
      architecture: 'swiftshader',
      description: "SwiftShader (software Vulkan on the CPU), from Debian's chromium",
    },
  };
}

export function chooseVulkanDriver(env: NodeJS.ProcessEnv = process.env): VulkanChoice {
  const none: AdapterInfo = { kind: 'unknown' };
  if (!LOADER_PATHS.some((p) => existsSync(p))) {
    return {
      available: false,
      env: {},
      adapter: none,
      reason: 'the Vulkan loader (libvulkan.so.1) is not installed',
      fix: 'apt-get install libvulkan1',
    };
  }
  const preference = env.ONNX_WORKBENCH_WEBGPU_ADAPTER; // 'software' | 'hardware' | undefined
  const xdg: Record<string, string> = env.XDG_RUNTIME_DIR ? {} : { XDG_RUNTIME_DIR: '/tmp' };
  if (env.VK_ICD_FILENAMES === SWIFTSHADER_ICD) return swiftshader(xdg);
  if (env.VK_ICD_FILENAMES) {
    const soft = isSoftwareName(env.VK_ICD_FILENAMES.replace(/[_./-]/g, ' '));
    return {
      available: true,
      env: { VK_ICD_FILENAMES: env.VK_ICD_FILENAMES, ...xdg },
      adapter: {
        kind: soft ? 'software' : 'hardware',
        description: `Vulkan ICD from VK_ICD_FILENAMES: ${env.VK_ICD_FILENAMES}`,
        ...(soft ? { vendor: 'google', architecture: 'swiftshader' } : {}),
      },
    };
  }
  const hw = hardwareIcds();
  if (preference !== 'software' && hw.length > 0 && gpuDevicePresent()) {
    return {
      available: true,
      env: { ...xdg },
      adapter: { kind: 'hardware', description: `Vulkan ICD(s): ${hw.map(describeIcd).join(', ')}` },
    };
  }
  if (preference === 'hardware') {
    return {
      available: false,
      env: {},
      adapter: none,
      reason: 'no hardware Vulkan driver with a GPU device was found',
      fix: "install the GPU vendor's Vulkan driver, or unset ONNX_WORKBENCH_WEBGPU_ADAPTER to use SwiftShader",
    };
  }
  if (existsSync(SWIFTSHADER_ICD)) return swiftshader(xdg);
  return {
    available: false,
    env: {},
    adapter: none,
    reason: 'no GPU Vulkan driver and no SwiftShader ICD (/usr/lib/chromium/vk_swiftshader_icd.json)',
    fix: 'apt-get install chromium libvulkan1 (chromium ships SwiftShader), or install a GPU Vulkan driver',
  };
}
