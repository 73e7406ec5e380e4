/**
 * The sha256 of the demo keys of `config/clients.dev.yaml`. Those keys are published in the
 * README, so a client holding one is refused when NODE_ENV=production, whatever file it is
 * in. A spec checks that this list and the development file agree.
 */
export const DEV_CLIENT_KEY_SHA256: ReadonlySet<string> = new Set([
  '8b42230b2a99dabf90ee595f441ff94062c9130bcb29f25183f4afce1d71341b', // dev-ingest-key-passerelle-demo
  '4bc8136c161e7c931b65124abb5b1777c15f8db2557be8bb973d7a43610aff73', // dev-ops-key-passerelle-demo
  'a2c65dcd516736fca5efe33095aad32d159f398d210f8e9d0bce1c18ea9ce390', // dev-auditor-key-passerelle-demo
  '74383c3b001688e3861c0a7c8b8e366af22463f0b623151a45164ebda254abc2', // dev-insurer-mutuelle-key-passerelle-demo
  '3fe3be8a11590cd6beea141791b4c92912a017050e4f8ce674f8e1455f31f422', // dev-insurer-assur-key-passerelle-demo
]);

/** The development clients file's name: refused in production wherever it lies. */
export const DEV_CLIENTS_FILE_NAME = 'clients.dev.yaml';
