// The import graph of harness/, checked by `make check` (scripts/check.js runs
// `npm run depcruise`). Folders are layers, top (nearer the CLI) to bottom; an import
// may only point down this list. The one allowance: runner/ uses load/'s Scenario
// type, the value the loader hands it.
const LAYERS = ['commands', 'mutants', 'load', 'runner', 'compare', 'checks', 'confinement', 'scenario', 'report', 'archive', 'versions', 'vm|guest', 'util'];
const ALLOWED_UP = { runner: ['load/scenario\\.ts'] };

const upward = LAYERS.flatMap((layer, i) =>
  LAYERS.slice(0, i).map((above) => ({
    name: `${layer.replace('|', '-')}-not-up-to-${above.replace('|', '-')}`,
    comment: `harness/${layer}/ lies below harness/${above}/: it may not import from it`,
    severity: 'error',
    from: { path: `^harness/(${layer})/` },
    to: {
      path: `^harness/(${above})/`,
      pathNot: (ALLOWED_UP[layer] ?? []).map((allowed) => `^harness/${allowed}$`),
    },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle ties its files into one piece that cannot be read, tested or moved alone',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'top-level-only-from-top-level',
      comment: 'harness/*.ts (the CLI and its commands) sits above every folder',
      severity: 'error',
      from: { path: '^harness/[^/]+/' },
      to: { path: '^harness/[^/]+\\.ts$' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^harness/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
