import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The environment of a gateway process under benchmark: its own database and Redis, the
 * repository's contracts and configuration, the development clients file (its keys are the
 * README's), a data key made for the run — then what the benchmark sets itself.
 */
export function gatewayEnv(
  root: string,
  databaseUrl: string,
  redisUrl: string,
  more: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PASSERELLE_CONTRACTS_DIR: join(root, 'contracts'),
    PASSERELLE_CONFIG_DIR: join(root, 'config'),
    PASSERELLE_CLIENTS_FILE: join(root, 'config/clients.dev.yaml'),
    PASSERELLE_DATA_KEY: randomBytes(32).toString('base64'),
    ...more,
  };
}
