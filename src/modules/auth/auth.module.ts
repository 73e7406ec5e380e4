import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { RegisteredClient } from './api-client.js';
import { API_CLIENTS, ApiKeyGuard } from './api-key.guard.js';
import { loadClientsFile } from './clients-file.js';

/**
 * Access control for every route: the clients file is read and validated at boot (a bad
 * file stops the gateway), and one global guard checks keys and roles.
 */
@Module({
  providers: [
    {
      provide: API_CLIENTS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Promise<RegisteredClient[]> =>
        loadClientsFile({ file: config.clientsFile, nodeEnv: config.nodeEnv }),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
})
export class AuthModule {}
