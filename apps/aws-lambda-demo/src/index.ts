export { type DemoOptions, type RunningDemo, startDemo } from './demo.js';
export { handler } from './handler.js';
