export { readRuleFile, runTakedown, type TakedownOptions, type TakedownResult } from './run-takedown.js';
