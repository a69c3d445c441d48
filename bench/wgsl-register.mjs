// Registers ./wgsl-hooks.mjs (see there) before the bench's modules load: `tsx --import ./bench/wgsl-register.mjs …`.
import { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);
