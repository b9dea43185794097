/** The bad-input properties (random-input/random-input-properties.ts) on the cloudbase storage adapter. */
import { describeRandomInput } from './random-input/random-input-properties.js';

describeRandomInput('cloudbase');
