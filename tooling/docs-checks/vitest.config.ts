import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

// Type-checking every snippet and building the API reference take a while on 2 cores.
export default defineConfig(createVitestConfig(import.meta.dirname, { testTimeout: 300_000 }));
