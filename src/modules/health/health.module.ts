import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [ContractsModule, DatabaseModule], controllers: [HealthController] })
export class HealthModule {}
