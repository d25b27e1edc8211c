import type { AdapterDescription } from './webgpu-adapter.js';

/**
 * Dense fp32 (non-tensor-core) peak FLOP/s by GPU, from the vendors' data sheets (boost clock,
 * SXM where a board comes in several forms, unless the name says PCIe). tfjs-webgpu runs plain fp32
 * WGSL kernels, so fp32 is the peak its MFU is measured against. First match wins.
 */
const FP32_PEAKS: { pattern: RegExp; name: string; flops: number }[] = [
  { pattern: /H100.*PCIe/i, name: 'NVIDIA H100 PCIe', flops: 51.2e12 },
  { pattern: /H100\s*NVL/i, name: 'NVIDIA H100 NVL', flops: 60e12 },
  { pattern: /H200|GH200/i, name: 'NVIDIA H200', flops: 67e12 },
  { pattern: /H100/i, name: 'NVIDIA H100 SXM', flops: 67e12 },
  { pattern: /A100/i, name: 'NVIDIA A100', flops: 19.5e12 },
  { pattern: /L40S/i, name: 'NVIDIA L40S', flops: 91.6e12 },
  { pattern: /\bL4\b/i, name: 'NVIDIA L4', flops: 30.3e12 },
  { pattern: /RTX\s*4090/i, name: 'NVIDIA GeForce RTX 4090', flops: 82.6e12 },
];

/** The adapter's fp32 peak (FLOP/s), or null when kiln does not know it (then MFU is not reported). */
export function fp32Peak(adapter: AdapterDescription | null): { name: string; flops: number } | null {
  if (adapter === null) return null;
  const text = `${adapter.device} ${adapter.description}`;
  const hit = FP32_PEAKS.find((p) => p.pattern.test(text));
  return hit === undefined ? null : { name: hit.name, flops: hit.flops };
}

/** Model FLOPs utilisation: 6·params·tokens/s (forward + backward, PaLM appendix B) over the peak. */
export function modelFlopsUtilisation(params: number, tokensPerS: number, peakFlops: number): number {
  return (6 * params * tokensPerS) / peakFlops;
}
