import { resolve } from 'node:path';
import { describeApiReport } from '@faultline/testkit/api-report';

describeApiReport(resolve(import.meta.dirname, '../..'));
