// Grid shapes and helpers shared by the training-step launchers.
import { type Vec3, dispatch2d } from '../kernel';

/** One thread per element: ⌈total / wg⌉ workgroups over x·y; the shader's index is (wid.y · nwg.x + wid.x) · WG_X + lid. */
export function flatGrid(total: number, wg: number, maxGridDim?: number): Vec3 {
  const [x, y] = dispatch2d(Math.ceil(total / wg), maxGridDim);
  return [x, y, 1];
}

/** One workgroup per row: rows over x·y; the shader's row is wid.y · nwg.x + wid.x. */
export function rowGrid(rows: number, maxGridDim?: number): Vec3 {
  const [x, y] = dispatch2d(rows, maxGridDim);
  return [x, y, 1];
}

/** Tree reductions in the shaders halve the workgroup: it must be a power of two. */
export function checkPow2(kernel: string, wg: number): number {
  if (!Number.isInteger(wg) || wg < 1 || (wg & (wg - 1)) !== 0 || wg > 256) {
    throw new RangeError(`${kernel}: workgroup size ${wg} must be a power of two ≤ 256`);
  }
  return wg;
}

const scratch = new WeakMap<GPUDevice, GPUBuffer>();

/**
 * A 16-byte storage buffer per device for writable bindings a kernel variant never touches (e.g. gAux without
 * AuxK): WebGPU forbids binding one buffer to two writable bindings of a dispatch, so they cannot alias.
 */
export function scratchBuffer(device: GPUDevice): GPUBuffer {
  let b = scratch.get(device);
  if (!b) {
    b = device.createBuffer({ label: 'unused-binding', size: 16, usage: GPUBufferUsage.STORAGE });
    scratch.set(device, b);
  }
  return b;
}
