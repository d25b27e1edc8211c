// Node 20 has no WebGPU: the optional `webgpu` package (Dawn's Node bindings, a prebuilt
// dawn.node that loads libvulkan.so.1 at run time) supplies navigator.gpu and the GPU* classes,
// which @tensorflow/tfjs-backend-webgpu expects as globals when it is imported.

/** The GPU a WebGPU backend runs on, as the adapter describes itself. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  /** Driver and version (Dawn puts the Vulkan driver's name and version here). */
  description: string;
  /** True for a software or otherwise limited adapter (lavapipe, SwiftShader). */
  fallback: boolean;
}

/** Why no WebGPU adapter can be had, in words a user can act on. */
export class NoAdapterReason extends Error {}

interface WebgpuModule {
  create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<WebgpuAdapter | null> };
  globals: Record<string, unknown>;
}
interface WebgpuAdapter {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

// `webgpu` is an optionalDependency (a 51 MB tarball of prebuilt Dawn builds): imported by a
// computed name so that neither tsc nor a bundler requires it.
const WEBGPU_PACKAGE = 'webgpu';

/**
 * Why the Vulkan loader (libvulkan.so.1, which dawn.node opens at run time) cannot be loaded, or
 * null when it can. Probed here rather than left to Dawn, which would print its own multi-line
 * warning to stderr. process.dlopen loads any shared object before it checks for a Node addon, so
 * "did not self-register" means the library was found.
 */
function vulkanLoaderProblem(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    process.dlopen({ exports: {} }, 'libvulkan.so.1');
  } catch (err) {
    const message = (err as Error).message;
    if (/self-register/.test(message)) return null;
    return `libvulkan.so.1 (the Vulkan loader) cannot be loaded: ${message}; install libvulkan1 or put it on LD_LIBRARY_PATH`;
  }
  return null;
}

function noDriverReason(): string {
  const icd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  const where = icd === undefined ? "VK_DRIVER_FILES is unset; point it at your GPU's ICD json" : `VK_DRIVER_FILES/VK_ICD_FILENAMES=${icd}`;
  return `no WebGPU adapter: the Vulkan loader found no driver that Dawn accepts (${where})`;
}

let installed: AdapterDescription | undefined;

/**
 * Finds a high-performance WebGPU adapter and, when there is one, installs `webgpu`'s globals and
 * `navigator.gpu` so that the tfjs WebGPU backend can be imported. Throws NoAdapterReason naming
 * what is missing (the package, libvulkan, a Vulkan driver) otherwise, leaving globals untouched.
 */
export async function installWebgpu(): Promise<AdapterDescription> {
  if (installed !== undefined) return installed;
  let mod: WebgpuModule;
  try {
    mod = (await import(WEBGPU_PACKAGE)) as WebgpuModule;
  } catch (err) {
    throw new NoAdapterReason(`the optional package webgpu is not installed or its dawn.node does not load (npm install webgpu): ${(err as Error).message.split('\n')[0]}`);
  }
  const loaderProblem = vulkanLoaderProblem();
  if (loaderProblem !== null) throw new NoAdapterReason(`no WebGPU adapter: ${loaderProblem}`);
  const gpu = mod.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new NoAdapterReason(noDriverReason());
  const info = adapter.info ?? {};
  Object.assign(globalThis, mod.globals);
  // configurable: Node 21+ defines its own navigator, which a plain assignment cannot replace.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  installed = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
  };
  return installed;
}
