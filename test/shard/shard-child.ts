// Runs one `runShard` in a child process so a test can SIGKILL it mid-run.
import { runShard } from '../../shard/index.js';

const config = JSON.parse(process.argv[2]) as Parameters<typeof runShard>[0];
await runShard(config);
