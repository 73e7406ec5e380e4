/**
 * The dependency rule as a build failure (domain-driven-hexagon): the core is pure and
 * depends on nothing outside itself; modules do not form cycles.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'src/core imports no NestJS, validation DTOs, queue, database, SSH or I/O module.',
      from: { path: '^src/core/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: [
          // resolved (node_modules/…) or not (a bare name when the package is absent)
          '(^|node_modules/)(@nestjs/|class-validator|class-transformer|bullmq|ioredis|pg$|pg/|kysely|ssh2)',
          '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|child_process)$',
        ],
      },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'src/core never imports adapters.',
      from: { path: '^src/core/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '(^test/|\\.spec\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|^var/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    builtInModules: { add: [] },
  },
};
