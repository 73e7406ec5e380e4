import { Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { openDatabase, type Db } from './database.js';

export const DATABASE = Symbol('DATABASE');

/** Closes the pool when the app stops. */
@Injectable()
class DatabaseLifecycle implements OnModuleDestroy {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async onModuleDestroy(): Promise<void> {
    await this.db.destroy();
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
