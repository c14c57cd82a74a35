import { resolve } from 'node:path';
// Core's tests use the testkit from source: a package dependency would be a cycle.
import { describeApiReport } from '../../../testkit/src/api-report/index.js';

describeApiReport(resolve(import.meta.dirname, '../..'));
