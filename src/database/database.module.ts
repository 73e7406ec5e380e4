import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { opened } from '../modules/shared/open-components.js';
import { openDatabase, type Db } from './database.js';

export const DATABASE = Symbol('DATABASE');

/**
 * Closes the pool when the app stops: last, once the workers, the dispatcher and the HTTP
 * server have finished what they were doing with it.
 */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly closed = opened('database pool');

  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
    this.closed();
  }
}

/**
 * PostgreSQL, the source of truth: the database is created if missing and migrated at
 * start, before any module uses it.
 */
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Promise<Db> => openDatabase(config.databaseUrl),
    },
    DatabaseLifecycle,
  ],
  exports: [DATABASE],
})
export class DatabaseModule {}
