import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { HealthController } from './health.controller.js';
import { Readiness } from './readiness.js';

@Module({
  imports: [ContractsModule, DatabaseModule],
  controllers: [HealthController],
  providers: [Readiness],
  exports: [Readiness],
})
export class HealthModule {}
