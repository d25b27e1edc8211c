// One `runShard` in its own process, so the benchmark reads this run's peak RSS alone.
import { runShard } from '../../shard/index.js';

process.env.KILN_LOG ??= 'silent';
const config = JSON.parse(process.argv[2]) as Parameters<typeof runShard>[0];
const summary = await runShard(config);
console.log(JSON.stringify({ summary, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
