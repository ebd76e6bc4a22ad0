// `harness cache list|clear`: the booted-guest snapshots kept between runs.
import { EXIT } from '../runner/run.js';
import { SnapshotCache } from '../vm/snapshot-cache.js';
import { UsageError, type Command } from './command.js';

export const cacheCommand: Command = {
  name: 'cache',
  synopsis: 'cache list|clear',
  summary: 'The booted-guest snapshots kept between runs, and where (HARNESS_CACHE_DIR, else\nXDG_CACHE_HOME, else ~/.cache).',
  options: {},
  optionsHelp: '',
  async run(_values, args) {
    const cache = new SnapshotCache();
    const [action] = args;
    if (action === 'clear' && args.length === 1) {
      const { removed, inUse } = await cache.clear();
      const kept = inUse ? `; kept ${inUse} a running guest uses (clear again once it has stopped)` : '';
      process.stdout.write(`removed ${removed} snapshot(s) from ${cache.root}${kept}\n`);
      return EXIT.ok;
    }
    if (action !== 'list' || args.length !== 1) throw new UsageError('cache needs `list` or `clear`');
    const entries = await cache.list();
    process.stdout.write(`${cache.root}: ${entries.length} snapshot(s), ${formatBytes(entries.reduce((n, e) => n + e.bytes, 0))}\n`);
    for (const e of entries) {
      const what = e.meta ? `${String(e.meta.describes.image)} ${String(e.meta.describes.cmdline).split(' ').slice(-2).join(' ')} ${String(e.meta.describes.accel)}` : '';
      process.stdout.write(`  ${e.key}  ${formatBytes(e.bytes).padStart(8)}  last used ${e.lastUsed.toISOString()}  ${e.problem ? `damaged: ${e.problem}` : what}\n`);
    }
    return EXIT.ok;
  },
};

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(0)} MiB`;
}
